// In-process cost of a fast-path hit, without sockets: DnsResponder.handle on the benchmark's query
// mix (bench/run.sh's 100,000 questions over the 11,073-record bench.test zone, ~30k distinct keys,
// so the cache working set is as large as under dnsperf), with the daemon's own sink (buildStats:
// stats, resolution log of 1,000, metrics) and a resolver present (as the daemon has by default).
// Usage: node bench/responder-hit.mjs [ROOT] (ROOT: a built checkout, default this one; e.g. a build
// of main for before/after). Knobs: PASSES (8), SINK (daemon | none), IN_PLACE (0 | 1). Prints CPU ns per query per pass (CPU time, so other load on the machine
// matters less than for wall time) and the best.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execFileSync } from 'node:child_process'
import pino from 'pino'

const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)))
const { DnsResponder } = await import(`${root}/dist/dns/serve/responder.js`)
const { RecordIndex } = await import(`${root}/dist/store/record-index.js`)
const { buildStats } = await import(`${root}/dist/daemon/build-stats.js`)
const PASSES = Number(process.env.PASSES ?? 8)
// IN_PLACE=1: hits patch the cache's own bytes, as under the UDP listener with an empty send queue (a checkout before it ignores the flag)
const IN_PLACE = process.env.IN_PLACE === '1'

// the zone and the query mix of bench/run.sh (same awk programs), written to a temp dir once
const work = '/tmp/dnsplane-responder-hit'
const here = fileURLToPath(new URL('.', import.meta.url))
execFileSync('bash', ['-c', `mkdir -p ${work} && [ -s ${work}/queries.txt ] || { sed -n '/^ZONE=\\$WORK/,/^node "\\$ROOT/p' '${here}run.sh' | sed 's#\\$WORK#${work}#g; s#\\$ROOT#${here}..#g' | bash >/dev/null; }`])
const records = JSON.parse(readFileSync(`${work}/dnsrecords.json`, 'utf8')).records
const index = RecordIndex.build(records, 1)

const TYPES = { A: 1, AAAA: 28, MX: 15, TXT: 16 }
const queries = readFileSync(`${work}/queries.txt`, 'utf8').trim().split('\n').map((line, i) => {
  const [name, type] = line.split(' ')
  const labels = name.split('.').map((l) => (i % 3 === 0 ? l.toUpperCase() : l)) // some 0x20-style case
  const q = Buffer.alloc(12 + labels.reduce((n, l) => n + l.length + 1, 1) + 4 + 11)
  q.writeUInt16BE(i & 0xffff, 0); q[2] = 1; q[5] = 1; q[11] = 1 // RD, one question, one OPT (dnsperf sends EDNS)
  let o = 12
  for (const l of labels) { q[o++] = l.length; o += q.write(l, o, 'latin1') }
  q[o++] = 0; q.writeUInt16BE(TYPES[type], o); q.writeUInt16BE(1, o + 2); o += 4
  q[o + 2] = 41; q.writeUInt16BE(1232, o + 3) // OPT: root, type 41, 1232, no flags, rdlen 0
  return q
})
const built = buildStats({ dashboard_resolution_log_cap: 1000 })
const sink = process.env.SINK === 'none' ? undefined : built.sink
const resolver = { cacheGeneration: () => 0, resolve: async () => ({ kind: 'none', reason: 'no_upstreams' }) }
const r = new DnsResponder(
  { bind: '127.0.0.1', port: 0, localRecordsEnabled: true, autoBuildPtrFromA: true, refuseAny: false, maxEdnsUdpPayload: 1232, tcpIdleTimeoutMs: 10_000, tcpMaxConnections: 256, upstreamTimeoutMs: 2000 },
  { getIndex: () => index, resolver, log: pino({ level: 'silent' }), sink },
)
const clients = ['127.0.0.1', '127.0.0.2']
for (const q of queries) r.handle(q, 'udp', clients[0]) // warm: fill the fast path
let sum = 0
const per = []
for (let p = 0; p < PASSES; p++) {
  const c0 = process.cpuUsage()
  for (let i = 0; i < queries.length; i++) {
    const out = r.handle(queries[i], 'udp', clients[i & 1], IN_PLACE)
    sum += out.length
  }
  const c = process.cpuUsage(c0) // CPU time, not wall time: the machine is shared
  per.push(((c.user + c.system) * 1000) / queries.length)
}
console.log(JSON.stringify({ root, in_place: IN_PLACE, sink: sink ? 'daemon' : 'none', fast_entries: r.fast.size, ns_per_query: per.map((x) => Math.round(x)), best_ns: Math.round(Math.min(...per)), bytes: sum }))
