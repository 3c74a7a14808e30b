// Benchmark entry: serves a dnsrecords.json with DnsServer from dist/ (build first: npx tsc -p bench/tsconfig.json).
// Usage: node bench/serve.mjs PORT RECORDS_JSON   (no upstreams: local answers only; SIGTERM stops it)
//        BENCH_UPSTREAM=HOST:PORT node bench/serve.mjs PORT   (no local records: every question goes
//        through the caching resolver to that upstream, as a forwarding node does)
import { readFileSync } from 'node:fs'
import pino from 'pino'
import { DnsServer } from '../dist/dns/serve/server.js'
import { CachingResolver } from '../dist/dns/forward/resolver.js'
import { RecordIndex } from '../dist/store/record-index.js'
import { DnsLimiter } from '../dist/dns/limit/dns-limiter.js'

const [port, file] = process.argv.slice(2)
const upstream = process.env.BENCH_UPSTREAM
const records = upstream ? [] : JSON.parse(readFileSync(file, 'utf8')).records
const index = RecordIndex.build(records, 1)
const sinkOn = process.env.BENCH_SINK === '1'
const log = pino({ level: 'warn' })
let events = 0
let resolver
if (upstream) {
  const i = upstream.lastIndexOf(':')
  const row = { address: upstream.slice(0, i), port: upstream.slice(i + 1), active: true }
  resolver = new CachingResolver(
    { timeoutMs: 2000, cacheEnabled: true, minCacheTtlSeconds: 0, staleWhileRevalidate: false, fallback: undefined },
    { getServers: () => [row], log },
  )
}
const server = new DnsServer(
  {
    bind: '127.0.0.1', port: Number(port), localRecordsEnabled: !upstream, autoBuildPtrFromA: true, refuseAny: false,
    maxEdnsUdpPayload: 1232, tcpIdleTimeoutMs: 10_000, tcpMaxConnections: 256, upstreamTimeoutMs: 2000,
  },
  // BENCH_LIMITS: DnsLimitSettings as JSON (bench/rrl.mjs)
  { getIndex: () => index, resolver, log, sink: sinkOn ? { record() { events++ } } : undefined, limiter: process.env.BENCH_LIMITS ? new DnsLimiter(JSON.parse(process.env.BENCH_LIMITS)) : undefined },
)
const info = await server.start()
console.log(upstream ? `forwarding to ${upstream} with cache on udp ${info.udp.port}` : `serving ${records.length} records on udp ${info.udp.port} tcp ${info.tcp.port}`)
const stop = async () => {
  await server.stop()
  await resolver?.stop()
  console.log(JSON.stringify({ counters: server.counters, resolver: resolver?.counters(), events }))
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
