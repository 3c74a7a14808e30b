// Usage: npm run build, then node bench/flush-stall.mjs dist   (env N records, MS run time, FLUSH_MS delay)
// In-process: one FileRecordStore (journal, records_flush_delay_ms FLUSH_MS) on N records and a DnsResponder
// reading its index. For MS ms, one writer adds records back to back (each waits for its acknowledgement)
// while a DNS probe is due every 5 ms: a probe's latency is from when it was due until the responder
// answered it, so an event loop held by a flush shows up as DNS latency. Background flushes run all along.
// Prints ack and DNS p50/p99/max and the flushes done. Run it for two builds one after the other.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'
const dist = resolve(process.argv[2] ?? 'dist')
const N = Number(process.env.N ?? 100000)
const MS = Number(process.env.MS ?? 15000)
const FLUSH_MS = Number(process.env.FLUSH_MS ?? 1000)
const { FileRecordStore } = await import(pathToFileURL(join(dist, 'store/file-store.js')).href)
const { DnsResponder } = await import(pathToFileURL(join(dist, 'dns/serve/server.js')).href)
const pino = (await import('pino')).default
const dnsPacket = (await import('dns-packet')).default
const dir = mkdtempSync(join(tmpdir(), 'fs-'))
const path = join(dir, 'dnsrecords.json')
const zero = '0001-01-01T00:00:00Z'
const recs = [{ id: 'soa', name: 'bench.test', type: 'SOA', value: 'ns.bench.test. h.bench.test. 1 2 3 4 5', ttl: 60, added_on: zero, updated_on: zero, last_query: zero }]
for (let i = 0; i < N; i++) recs.push({ id: 'id' + i, name: `h${i}.bench.test`, type: 'A', value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, ttl: 60, added_on: zero, updated_on: zero, last_query: zero })
writeFileSync(path, JSON.stringify({ records: recs }))
const log = pino({ level: 'silent' })
const store = await FileRecordStore.open({ path, prettyJson: false, log, watch: false, flushDelayMs: FLUSH_MS })
const r = new DnsResponder({ bind: '127.0.0.1', port: 0, localRecordsEnabled: true, autoBuildPtrFromA: true, refuseAny: false, maxEdnsUdpPayload: 1232, tcpIdleTimeoutMs: 1000, tcpMaxConnections: 4, upstreamTimeoutMs: 100 }, { getIndex: () => store.index, log })
const probe = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'h5.bench.test', type: 'A' }] })
await r.handle(probe, 'udp')
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] }
let flushes = 0
store.onChange(() => undefined)
const origFlush = store.flush.bind(store)
store.flush = (o) => origFlush(o).then((x) => { if (x.flushed) flushes++; return x })
const dns = []
const start = performance.now()
let due = start
const probing = (async () => {
  while (performance.now() - start < MS) {
    due += 5
    const wait = due - performance.now()
    if (wait > 0) await new Promise((res) => setTimeout(res, wait))
    await r.handle(probe, 'udp')
    dns.push(performance.now() - due)
    if (performance.now() - due > 5) due = performance.now() // no catch-up burst after a stall
  }
})()
const ack = []
let i = 0
while (performance.now() - start < MS) {
  const t0 = performance.now()
  await store.add({ id: 'new' + i, name: `n${i}.bench.test`, type: 'A', value: '192.0.2.1', ttl: 60 })
  ack.push(performance.now() - t0)
  i++
}
await probing
const f = (x) => x.toFixed(1)
console.log(JSON.stringify({ dist, N, MS, FLUSH_MS, writes: ack.length, flushes, ack_p50: f(pct(ack, 50)), ack_p99: f(pct(ack, 99)), ack_max: f(Math.max(...ack)), dns_p50: f(pct(dns, 50)), dns_p99: f(pct(dns, 99)), dns_max: f(Math.max(...dns)) }))
await store.stop({ flush: false })
await rm(dir, { recursive: true, force: true })
