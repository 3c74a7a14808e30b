// Usage: npm run build, then node bench/peer-apply.mjs dist   (N records, W deltas per kind; env N, W)
// In-process, the receiving side of record_lww: one FileRecordStore (journal, flush delay 10 min) on
// N records with its LwwReplica, and a DnsResponder reading its index. W peer deltas per kind (a new
// record, a new version of a record, a tombstone), each applied as LwwEngine.receiveDelta does
// (LwwReplica.applyRemote): time until applied and durable, bytes written to the records file and
// its journal, and the first DNS query after each (the stall a peer's write costs the DNS).
import { mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'
const dist = resolve(process.argv[2] ?? 'dist')
const N = Number(process.env.N ?? 100000)
const W = Number(process.env.W ?? 30)
const mod = (p) => import(pathToFileURL(join(dist, p)).href)
const { FileRecordStore } = await mod('store/file-store.js')
const { LwwReplica } = await mod('cluster/sync/replica-store/lww-replica.js')
const { DnsResponder } = await mod('dns/serve/server.js')
const pino = (await import('pino')).default
const dnsPacket = (await import('dns-packet')).default
const dir = mkdtempSync(join(tmpdir(), 'pa-'))
const path = join(dir, 'dnsrecords.json')
const Z = '0001-01-01T00:00:00Z'
const recs = [{ id: 'soa', name: 'bench.test', type: 'SOA', value: 'ns.bench.test. h.bench.test. 1 2 3 4 5', ttl: 60, added_on: Z, updated_on: Z, last_query: Z }]
for (let i = 0; i < N; i++) recs.push({ id: 'id' + i, name: `h${i}.bench.test`, type: 'A', value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, ttl: 60, added_on: Z, updated_on: Z, last_query: Z })
writeFileSync(path, JSON.stringify({ records: recs }))
const log = pino({ level: 'silent' })
const store = await FileRecordStore.open({ path, prettyJson: false, log, watch: false, seedRecords: [], flushDelayMs: 600000 })
let t0 = performance.now()
const replica = await LwwReplica.open({ store, path: join(dir, 'cluster_replica.json'), nodeId: 'node-b', now: () => Date.now(), log })
replica.start()
const openMs = performance.now() - t0
const r = new DnsResponder({ bind: '127.0.0.1', port: 0, localRecordsEnabled: true, autoBuildPtrFromA: true, refuseAny: false, maxEdnsUdpPayload: 1232, tcpIdleTimeoutMs: 1000, tcpMaxConnections: 4, upstreamTimeoutMs: 100 }, { getIndex: () => store.index, log })
const probe = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'h5.bench.test', type: 'A' }] })
r.handle(probe, 'udp'); r.handle(probe, 'udp')
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] }
const size = (p) => { try { return statSync(p).size } catch { return 0 } }
let wall = Date.now() + 1000
const v = () => ({ wall: wall++, counter: 0, node: 'node-a' })
const out = {}
for (const kind of ['add', 'update', 'delete']) {
  const ack = [], dns = []
  let bytes = 0
  for (let i = 0; i < W; i++) {
    const id = 'peer' + i
    const record = { id, name: `p${i}.bench.test`, type: 'A', value: kind === 'update' ? '192.0.2.2' : '192.0.2.1', ttl: 60, added_on: Z, updated_on: Z, last_query: Z }
    const entry = kind === 'delete' ? { key: 'id:' + id, version: v() } : { key: 'id:' + id, version: v(), record }
    const jBefore = size(path + '.journal')
    const ino = statSync(path).ino
    t0 = performance.now()
    const won = await replica.applyRemote([entry])
    ack.push(performance.now() - t0)
    if (won.length !== 1) throw new Error(`delta ${kind} ${i} did not win`)
    // Bytes written: the journal's growth, plus the whole file when it was replaced (a new inode).
    bytes += Math.max(0, size(path + '.journal') - jBefore) + (statSync(path).ino === ino ? 0 : size(path))
    t0 = performance.now()
    r.handle(probe, 'udp')
    dns.push(performance.now() - t0)
  }
  out[kind] = { applied_p50_ms: +pct(ack, 50).toFixed(2), applied_p99_ms: +pct(ack, 99).toFixed(2), bytes_per_delta: Math.round(bytes / W), dns_after_max_ms: +Math.max(...dns).toFixed(2) }
}
console.log(JSON.stringify({ dist, N, W, replica_open_ms: Math.round(openMs), rss_mib: Math.round(process.memoryUsage().rss / 2 ** 20), ...out }))
await replica.stop()
await store.stop({ flush: false })
