// Journal benchmark (issue #12, first stage): one real dnsplane node (`dnsplane server`, clustering off)
// holding N records; for each N and each records_flush_delay_ms (0 = the old write-through, 1000 =
// the journal): start-up until ready, then WRITES sequential REST adds (one write acknowledged:
// p50/p99/max), then CLIENTS concurrent clients adding CONCURRENT_WRITES records in total (writes
// acknowledged per second). Prints a Markdown table and the command. Numbers only; never asserted.
// Needs dist/ (npx tsc -p tsconfig.json && node scripts/copy-assets.mjs).
// Knobs: SIZES ("10000,100000"), DELAYS ("0,1000"), WRITES (50), WRITES_THROUGH (10: sequential writes
//        when the delay is 0, each rewrites the whole file), CLIENTS (8), CONCURRENT_WRITES (400;
//        40 when the delay is 0), BENCH_TIMEOUT_S (900).
// Usage: node bench/journal.mjs      (or BENCH=journal bash bench/run.sh)
import { performance } from 'node:perf_hooks'
import { GO_ZERO_TIME } from '../dist/store/record.js'
import { BenchNode } from './lib/node.mjs'
import { cleanup, installExitHandlers, removeDir, tempDir } from './lib/proc.mjs'
import { fmt, int, log, markdownTable, percentile } from './lib/stats.mjs'

const list = (v, d) => (v ?? d).split(/[\s,]+/).filter(Boolean).map(Number)
const SIZES = list(process.env.SIZES, '10000,100000')
const DELAYS = list(process.env.DELAYS, '0,1000')
const WRITES = Number(process.env.WRITES ?? 50)
const WRITES_THROUGH = Number(process.env.WRITES_THROUGH ?? 10)
const CLIENTS = Number(process.env.CLIENTS ?? 8)
const CONCURRENT_WRITES = Number(process.env.CONCURRENT_WRITES ?? 400)
installExitHandlers(Number(process.env.BENCH_TIMEOUT_S ?? 900) * 1000)

function generate(n) {
  const out = []
  for (let i = 0; i < n; i++) {
    out.push({ name: `host${i}.scale.test`, type: 'A', value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, ttl: 3600, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME })
  }
  return out
}

async function addOne(node, tag, i) {
  const t0 = performance.now()
  const res = await node.api('POST', '/dns/records', { name: `w${tag}-${i}.scale.test`, type: 'A', value: '192.0.2.7', ttl: 60 }, 120_000)
  if (res.status !== 201) throw new Error(`write ${tag}-${i}: ${res.status} ${JSON.stringify(res.json)}`)
  return performance.now() - t0
}

const rows = []
for (const n of SIZES) {
  const records = generate(n)
  for (const delay of DELAYS) {
    const dir = tempDir('dnsplane-scale-')
    const node = await BenchNode.create({ id: 'scale', host: '127.0.0.1', dir, apiToken: 'bench-token-scale' })
    node.writeFiles({ cluster_enabled: false, records_flush_delay_ms: delay }, records)
    const t0 = performance.now()
    await node.start(120_000)
    const startMs = performance.now() - t0
    const seq = []
    const count = delay === 0 ? WRITES_THROUGH : WRITES
    for (let i = 0; i < count; i++) seq.push(await addOne(node, 's', i))
    const total = delay === 0 ? Math.min(CONCURRENT_WRITES, 40) : CONCURRENT_WRITES
    let next = 0
    const c0 = performance.now()
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (next < total) await addOne(node, 'c', next++)
    }))
    const perSec = total / ((performance.now() - c0) / 1000)
    const { rss } = node.memory()
    await node.stop()
    removeDir(dir)
    const row = [int(n), String(delay), fmt(startMs / 1000, 2), String(count), fmt(percentile(seq, 50), 1), fmt(percentile(seq, 99), 1), fmt(Math.max(...seq), 1), fmt(perSec, 0), fmt(rss / 1048576, 0)]
    rows.push(row)
    log(`scale: ${row.join(' | ')}`)
  }
}
console.log(markdownTable(
  ['records', 'records_flush_delay_ms', 'start-up s', 'writes', 'one write acked p50 ms', 'p99 ms', 'max ms', `acked writes/s (${CLIENTS} clients)`, 'RSS MiB'],
  rows,
))
console.log(`\ncommand: SIZES=${SIZES.join(',')} DELAYS=${DELAYS.join(',')} node bench/journal.mjs`)
await cleanup()
process.exit(0)
