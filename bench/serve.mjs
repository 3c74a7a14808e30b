// Benchmark entry: serves a dnsrecords.json with DnsServer from dist/ (build first: npx tsc -p bench/tsconfig.json).
// Usage: node bench/serve.mjs PORT RECORDS_JSON   (no upstreams: local answers only; SIGTERM stops it)
import { readFileSync } from 'node:fs'
import pino from 'pino'
import { DnsServer } from '../dist/dns/server.js'
import { RecordIndex } from '../dist/store/record-index.js'

const [port, file] = process.argv.slice(2)
const { records } = JSON.parse(readFileSync(file, 'utf8'))
const index = RecordIndex.build(records, 1)
const sinkOn = process.env.BENCH_SINK === '1'
let events = 0
const server = new DnsServer(
  {
    bind: '127.0.0.1', port: Number(port), localRecordsEnabled: true, autoBuildPtrFromA: true, refuseAny: false,
    maxEdnsUdpPayload: 1232, tcpIdleTimeoutMs: 10_000, tcpMaxConnections: 256, upstreamTimeoutMs: 2000,
  },
  { getIndex: () => index, log: pino({ level: 'warn' }), sink: sinkOn ? { record() { events++ } } : undefined },
)
const info = await server.start()
console.log(`serving ${records.length} records on udp ${info.udp.port} tcp ${info.tcp.port}`)
const stop = async () => {
  await server.stop()
  console.log(JSON.stringify({ counters: server.counters, events }))
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
