// Usage: npm run build, then node bench/write-cost.mjs dist   (N records, W writes per kind; env N, W)
// In-process: one FileRecordStore (journal, flush delay 10 min) on N records and a DnsResponder reading
// its index. Per write (add, update by id, remove by id): time until acknowledged, then the time of the
// first DNS query after it (a fast-path-cached name), i.e. the stall a write costs the DNS.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'
const dist = resolve(process.argv[2] ?? 'dist')
const N = Number(process.env.N ?? 100000)
const W = Number(process.env.W ?? 30)
const { FileRecordStore } = await import(pathToFileURL(join(dist, 'store/file-store.js')).href)
const { DnsResponder } = await import(pathToFileURL(join(dist, 'dns/serve/server.js')).href)
const pino = (await import('pino')).default
const dnsPacket = (await import('dns-packet')).default
const dir = mkdtempSync(join(tmpdir(), 'wc-'))
const path = join(dir, 'dnsrecords.json')
const recs = [{ id: 'soa', name: 'bench.test', type: 'SOA', value: 'ns.bench.test. h.bench.test. 1 2 3 4 5', ttl: 60, added_on: '0001-01-01T00:00:00Z', updated_on: '0001-01-01T00:00:00Z', last_query: '0001-01-01T00:00:00Z' }]
for (let i = 0; i < N; i++) recs.push({ id: 'id' + i, name: `h${i}.bench.test`, type: 'A', value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, ttl: 60, added_on: '0001-01-01T00:00:00Z', updated_on: '0001-01-01T00:00:00Z', last_query: '0001-01-01T00:00:00Z' })
writeFileSync(path, JSON.stringify({ records: recs }))
const log = pino({ level: 'silent' })
const store = await FileRecordStore.open({ path, prettyJson: false, log, watch: false, flushDelayMs: 600000 })
const r = new DnsResponder({ bind: '127.0.0.1', port: 0, localRecordsEnabled: true, autoBuildPtrFromA: true, refuseAny: false, maxEdnsUdpPayload: 1232, tcpIdleTimeoutMs: 1000, tcpMaxConnections: 4, upstreamTimeoutMs: 100 }, { getIndex: () => store.index, log })
const q = (name) => dnsPacket.encode({ type: 'query', id: 1, questions: [{ name, type: 'A' }] })
const probe = q('h5.bench.test')
r.handle(probe, 'udp'); r.handle(probe, 'udp')
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] }
const out = {}
for (const kind of ['add', 'update', 'remove']) {
  const ack = [], dns = []
  for (let i = 0; i < W; i++) {
    let t0 = performance.now()
    if (kind === 'add') await store.add({ id: 'new' + i, name: `n${i}.bench.test`, type: 'A', value: '192.0.2.1', ttl: 60 })
    else if (kind === 'update') await store.update({ id: 'new' + i, name: `n${i}.bench.test`, type: 'A', value: '192.0.2.2', ttl: 120 })
    else await store.remove({ id: 'new' + i })
    ack.push(performance.now() - t0)
    t0 = performance.now()
    r.handle(probe, 'udp')
    dns.push(performance.now() - t0)
  }
  out[kind] = { ack_p50: pct(ack, 50).toFixed(1), ack_p99: pct(ack, 99).toFixed(1), dns_after_p50: pct(dns, 50).toFixed(2), dns_after_max: Math.max(...dns).toFixed(1) }
}
console.log(JSON.stringify({ dist, N, W, ...out }))
await store.stop({ flush: false })
