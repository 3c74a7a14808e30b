// One node started on N generated records (bench/scale.mjs's records: SOA, probe, host<i>.scale.test A
// records; record_lww, no peers): the time until it answers the last record over UDP and its RSS then,
// its peak (VmHWM) and its RSS SETTLE_MS later. Needs dist/ of the build under test.
// Usage: node bench/startup-node.mjs N   (BIN=/other/checkout/bin/dnsplane.js: a before/after run;
//        NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof': flags for the node process)
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { DnsProber } from './lib/dns.mjs'
import { BenchNode } from './lib/node.mjs'
import { cleanup, installExitHandlers, removeDir, tempDir } from './lib/proc.mjs'

const N = Number(process.argv[2] ?? '100000')
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 10_000)
const TIMEOUT_MS = Number(process.env.TIMEOUT_MS ?? 1_800_000)
const ZONE = 'scale.test'
const ZERO = '0001-01-01T00:00:00Z'
const ipOf = (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
const records = [
  { name: ZONE, type: 'SOA', value: `ns1.${ZONE}. hostmaster.${ZONE}. 1 3600 900 604800 60`, ttl: 3600, added_on: ZERO, updated_on: ZERO, last_query: ZERO },
  { name: `probe.${ZONE}`, type: 'A', value: '192.0.2.99', ttl: 3600, added_on: ZERO, updated_on: ZERO, last_query: ZERO },
]
for (let i = 0; i <= N - 3; i++) records.push({ id: randomUUID(), name: `host${i}.${ZONE}`, type: 'A', value: ipOf(i), ttl: 3600, added_on: ZERO, updated_on: ZERO, last_query: ZERO })

installExitHandlers(TIMEOUT_MS + 120_000)
const dir = tempDir('dnsplane-bench-startup-')
const node = await BenchNode.create({ id: 'node-0', host: '127.0.0.2', dir, apiToken: 'bench-api-token', bin: process.env.BIN, nodeArgs: (process.env.NODE_ARGS ?? '').split(' ').filter(Boolean) })
node.writeFiles({ cluster_peers: [], cluster_auth_token: 'bench-cluster-token', cluster_sync_policy: 'record_lww' }, records)
records.length = 0
const prober = new DnsProber()
await prober.open()
const t0 = performance.now()
const ready = node.start(TIMEOUT_MS).then(() => performance.now() - t0)
const [answered] = await prober.waitAll([{ host: node.host, port: node.dnsPort }], `host${N - 3}.${ZONE}`, ipOf(N - 3), { intervalMs: 200, timeoutMs: TIMEOUT_MS })
const atAnswer = node.memory()
const readyMs = await ready
await new Promise((r) => setTimeout(r, SETTLE_MS))
const settled = node.memory()
const mib = (b) => (b / 1048576).toFixed(0)
console.log(`${N} records: ready ${(readyMs / 1000).toFixed(1)} s, answers the last record ${answered === null ? 'never' : ((answered - t0) / 1000).toFixed(1) + ' s'}; RSS then ${mib(atAnswer.rss)} MiB, ${SETTLE_MS / 1000} s later ${mib(settled.rss)} MiB, peak ${mib(settled.hwm)} MiB`)
prober.close()
await cleanup()
removeDir(dir)
process.exit(0)
