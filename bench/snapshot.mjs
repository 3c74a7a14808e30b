// Snapshot benchmark: for each record count, (a) the size on the wire of one records_full frame
// (encodeMessage from dist/ + 4-byte header), (b) the time a fresh receiving node (one real dnsplane
// process, cluster enabled) takes to apply it: from writing the frame to its cluster port until it
// answers a sentinel record over UDP DNS, and until its records file is rewritten, (c) the node's
// RSS after the apply (/proc/<pid>/status VmRSS, VmHWM = peak). Frames over the node's limits are
// not sent; the table says which limit refuses them (and we check that the node drops a
// connection announcing such a frame). Prints a Markdown table and the command. Not a test.
// Needs dist/ (npx tsc -p tsconfig.json && node scripts/copy-assets.mjs).
// Knobs: SIZES ("1000,100000,1000000"), FIT (1: also run the largest round count that fits in one
//        frame), RESTART (1: then restart the node on the applied file and measure start time and RSS),
//        APPLY_TIMEOUT_MS (120000), POLL_MS (2), SETTLE_MS (1000), BENCH_TIMEOUT_S (900).
// Usage: node bench/snapshot.mjs      (or BENCH=snapshot bash bench/run.sh)
import { randomUUID } from 'node:crypto'
import { statSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { MAX_FRAME_BYTES } from '../dist/cluster/wire/codec.js'
import { encodeMessage } from '../dist/cluster/wire/messages.js'
import { formatGoTime, GO_ZERO_TIME } from '../dist/store/record.js'
import { MAX_RECORDS, MAX_RECORDS_FILE_BYTES } from '../dist/store/records-file.js'
import { ClusterClient, frame } from './lib/cluster.mjs'
import { DnsProber, StallProbe } from './lib/dns.mjs'
import { BenchNode } from './lib/node.mjs'
import { cleanup, installExitHandlers, removeDir, tempDir } from './lib/proc.mjs'
import { fmt, int, loadText, log, markdownTable } from './lib/stats.mjs'

const SIZES = (process.env.SIZES ?? '1000,100000,1000000').split(/[\s,]+/).filter(Boolean).map(Number)
const FIT = process.env.FIT !== '0'
const APPLY_TIMEOUT_MS = Number(process.env.APPLY_TIMEOUT_MS ?? 120_000)
const POLL_MS = Number(process.env.POLL_MS ?? 2)
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 1000)
const RESTART = process.env.RESTART !== '0'
const BENCH_TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 900)
const CLUSTER_TOKEN = 'bench-cluster-token'
const ZONE = 'bench.test'
const SENTINEL = `sentinel.${ZONE}`
const SENTINEL_IP = '192.0.2.53'
const MiB = 1024 * 1024

for (const n of SIZES) if (!(Number.isInteger(n) && n >= 3)) throw new Error(`SIZES: ${n} is not an integer >= 3`)
installExitHandlers(BENCH_TIMEOUT_S * 1000)

const soa = { name: ZONE, type: 'SOA', value: `ns1.${ZONE}. hostmaster.${ZONE}. 1 3600 900 604800 60`, ttl: 3600, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME }

/** Present before and after the apply: answered throughout, to see whether DNS stalls during an apply. */
const probe = { name: `probe.${ZONE}`, type: 'A', value: '192.0.2.99', ttl: 3600, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME }

/** n records as the API writes them (UUID id, added_on with ms): the SOA, the probe, n-3 A hosts, the sentinel last. */
function generate(n) {
  const base = Date.parse('2026-11-22T00:00:00Z')
  const out = [soa, probe]
  for (let i = 0; i < n - 3; i++) {
    out.push({ id: randomUUID(), name: `host${i}.${ZONE}`, type: 'A', value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, ttl: 3600, added_on: formatGoTime(new Date(base + i)), updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME })
  }
  out.push({ id: randomUUID(), name: SENTINEL, type: 'A', value: SENTINEL_IP, ttl: 3600, added_on: formatGoTime(new Date(base)), updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME })
  return out
}

function fileId(path) {
  try {
    const s = statSync(path)
    return { key: `${s.ino}/${s.mtimeMs}/${s.size}`, size: s.size }
  } catch {
    return { key: 'missing', size: 0 }
  }
}

async function startReceiver(n) {
  const node = await BenchNode.create({ id: 'receiver', host: '127.0.0.2', dir: tempDir(`dnsplane-bench-snap-${n}-`), apiToken: 'bench-api-token' })
  node.writeFiles({ cluster_peers: [], cluster_auth_token: CLUSTER_TOKEN }, [soa, probe])
  await node.start()
  await new Promise((r) => setTimeout(r, 500))
  return node
}

async function measure(n, prober) {
  log(`${int(n)} records: generating, ${loadText()}`)
  let records = generate(n)
  let json = encodeMessage({ type: 'records_full', node_id: 'bench-sender', seq: 1, timestamp_unix: Math.floor(Date.now() / 1000), records })
  records = undefined
  const bodyBytes = Buffer.byteLength(json, 'utf8')
  const row = { n, wire: bodyBytes + 4, perRecord: bodyBytes / n }
  const limits = []
  if (bodyBytes > MAX_FRAME_BYTES) limits.push(`frame ${int(bodyBytes)} B exceeds MAX_FRAME_BYTES ${int(MAX_FRAME_BYTES)}`)
  if (n > MAX_RECORDS) limits.push(`exceeds MAX_RECORDS ${int(MAX_RECORDS)}`)
  const node = await startReceiver(n)
  const client = await ClusterClient.connect(node.host, node.clusterPort)
  try {
    row.idle = node.memory().rss
    await client.auth(CLUSTER_TOKEN)
    if (limits.length > 0) {
      json = undefined
      // announce the frame only: the node must drop the connection on the header alone
      const head = Buffer.allocUnsafe(4)
      head.writeUInt32BE(Math.min(bodyBytes, 0xffffffff), 0)
      await client.write(head)
      const dropped = await client.waitClosed(3000)
      row.result = `refused: ${limits.join('; ')}${dropped ? ' (node dropped the connection on the header)' : ' (node did NOT drop the connection within 3 s)'}`
      Object.assign(row, node.memory())
      return row
    }
    const buf = frame(json)
    json = undefined
    const before = fileId(node.recordsPath)
    let fileAt = null
    const t0 = performance.now()
    const filePoll = setInterval(() => {
      if (fileAt === null && fileId(node.recordsPath).key !== before.key) fileAt = performance.now()
    }, POLL_MS)
    const dnsWait = prober.waitAll([{ host: node.host, port: node.dnsPort }], SENTINEL, SENTINEL_IP, { intervalMs: POLL_MS, timeoutMs: APPLY_TIMEOUT_MS })
    const stall = new StallProbe()
    await stall.start(node.host, node.dnsPort, probe.name, 5)
    await client.write(buf)
    row.send = performance.now() - t0
    const [dnsAt] = await dnsWait
    row.stall = stall.stop().maxRtt
    // the file may be written after DNS switches: wait for it too (bounded)
    const fileDeadline = performance.now() + 30_000
    while (fileAt === null && performance.now() < fileDeadline) await new Promise((r) => setTimeout(r, POLL_MS))
    clearInterval(filePoll)
    row.dns = dnsAt === null ? NaN : dnsAt - t0
    row.file = fileAt === null ? NaN : fileAt - t0
    row.fileBytes = fileId(node.recordsPath).size
    await new Promise((r) => setTimeout(r, SETTLE_MS))
    Object.assign(row, node.memory())
    if (dnsAt === null) {
      const why = node.grepLog(/reject|refus|error|warn/i).slice(-3).join(' | ').slice(0, 400)
      row.result = `not applied within ${APPLY_TIMEOUT_MS} ms${why ? `: ${why}` : ''}`
    } else {
      row.result = 'applied'
      if (RESTART) {
        // the same records loaded from disk by a fresh process: steady-state memory without apply garbage
        await node.stop()
        const t1 = performance.now()
        await node.start(APPLY_TIMEOUT_MS)
        const [up] = await prober.waitAll([{ host: node.host, port: node.dnsPort }], SENTINEL, SENTINEL_IP, { intervalMs: 20, timeoutMs: 10_000 })
        row.startMs = up === null ? NaN : up - t1
        await new Promise((r) => setTimeout(r, SETTLE_MS))
        row.restartRss = node.memory().rss
      }
    }
    return row
  } finally {
    client.close()
    await node.stop()
    removeDir(node.dir)
  }
}

const prober = new DnsProber()
await prober.open()
const rows = []
try {
  for (const n of SIZES) rows.push(await measure(n, prober))
  if (FIT) {
    // the largest round count whose frame fits, from the measured bytes per record (3 % margin)
    const largest = rows.reduce((a, b) => (b.n > a.n ? b : a))
    const fit = Math.floor((MAX_FRAME_BYTES * 0.97) / largest.perRecord / 1000) * 1000
    if (rows.some((r) => r.result !== 'applied') && !rows.some((r) => r.n === fit)) rows.push(await measure(fit, prober))
  }
} finally {
  prober.close()
  await cleanup()
}
rows.sort((a, b) => a.n - b.n)

const mib = (b) => fmt(b / MiB, 1)
const cmd = `SIZES=${SIZES.join(',')} FIT=${FIT ? 1 : 0} RESTART=${RESTART ? 1 : 0} POLL_MS=${POLL_MS} SETTLE_MS=${SETTLE_MS} node bench/snapshot.mjs`
console.log(`\n### Snapshot size, apply time and memory (${new Date().toISOString().slice(0, 10)}, node ${process.version})\n`)
console.log(`Command: \`${cmd}\`\n`)
console.log(
  markdownTable(
    ['records', 'wire bytes (frame)', 'B/record', 'send ms', 'apply ms (DNS answers)', 'file rewritten ms', 'max DNS stall ms', 'records file bytes', 'RSS idle MiB', 'RSS after apply MiB', 'peak RSS MiB', 'restart: ready ms', 'restart: RSS MiB', 'result'],
    rows.map((r) => [int(r.n), int(r.wire), fmt(r.perRecord, 1), fmt(r.send), fmt(r.dns), fmt(r.file), fmt(r.stall), r.fileBytes ? int(r.fileBytes) : '-', mib(r.idle), mib(r.rss), mib(r.hwm), fmt(r.startMs, 0), r.restartRss ? mib(r.restartRss) : '-', r.result]),
  ),
)
console.log(`\nLimits in dist/: MAX_FRAME_BYTES ${int(MAX_FRAME_BYTES)} (cluster frame), MAX_RECORDS ${int(MAX_RECORDS)}, MAX_RECORDS_FILE_BYTES ${int(MAX_RECORDS_FILE_BYTES)} (records file).`)
const ok = rows.filter((r) => r.result === 'applied')
if (ok.length) {
  const perRec = ok[ok.length - 1].perRecord
  console.log(`At ${fmt(perRec, 1)} B/record one frame holds at most ~${int(MAX_FRAME_BYTES / perRec)} records of this shape.`)
  const fb = ok[ok.length - 1]
  if (fb.fileBytes) console.log(`The records file takes ~${fmt(fb.fileBytes / fb.n, 1)} B/record: MAX_RECORDS_FILE_BYTES allows ~${int(MAX_RECORDS_FILE_BYTES / (fb.fileBytes / fb.n))} records.`)
}
for (let i = 1; i < ok.length; i++) {
  const a = ok[i - 1]
  const b = ok[i]
  console.log(`Growth ${int(a.n)} → ${int(b.n)} records (×${fmt(b.n / a.n, 0)}): wire ×${fmt(b.wire / a.wire, 1)}, apply ×${fmt(b.dns / a.dns, 1)} (${fmt((b.dns - a.dns) / (b.n - a.n) * 1000, 2)} µs/record), RSS after +${mib(b.rss - a.rss)} MiB (${fmt((b.rss - a.rss) / (b.n - a.n), 0)} B/record), peak +${mib(b.hwm - a.hwm)} MiB.`)
}
console.log(`\nsend ms: until the whole frame is handed to the kernel; apply ms: from starting the write until the node answers the sentinel (last record of the snapshot) over UDP, polled every ${POLL_MS} ms; file rewritten: until dnsrecords.json changes (stat polled every ${POLL_MS} ms); max DNS stall: worst round trip of a query for a record present before and after, sent every 5 ms during the apply (separate socket); RSS after apply: ${SETTLE_MS} ms after the apply; peak RSS: VmHWM. restart: the node is stopped and started again on the file it wrote; ready ms = spawn until it answers the sentinel, RSS ${SETTLE_MS} ms later (the same records without the apply's garbage).`)
