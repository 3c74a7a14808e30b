// Start-up CPU and retained heap at scale, one structure at a time, in one process (issue #12): the
// records file parsed and decoded, the record index, the DNS zone tree (PTRs synthesized), the zone
// tracker's content, the unanswerable check, record_lww adoption, and the snapshot with its versions.
// Prints CPU ms and the heap each step retains (after two full GCs). Needs dist/ and --expose-gc.
// A restart's replica (`reload`): the versions section decoded against the records, replayed, and the records diffed
// against it, as LwwReplica.open does for a file with versions.
// Usage: node --expose-gc bench/startup-memory.mjs N|FILE   (N: records generated as bench/scale.mjs does)
//        DIST=/path/to/other/dist/ (compare builds) ONLY=index,zone,... (steps; parse always runs)
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
const D = process.env.DIST ?? new URL('../dist/', import.meta.url).href
const { parseRecordsDocument, serializeRecordsFile } = await import(D + 'store/records-file.js')
const { RecordIndex } = await import(D + 'store/record-index.js')
const { ZoneData } = await import(D + 'dns/local/zone-data.js')
const { ZoneTracker } = await import(D + 'zones/zone-tracker.js')
const { unanswerableRecords } = await import(D + 'store/unanswerable.js')
const { ReplicaState } = await import(D + 'cluster/sync/lww/replica.js')
const { encodeSection, decodeSection } = await import(D + 'cluster/sync/replica-store/replica-section.js')
const { HlcClock } = await import(D + 'cluster/sync/lww/hlc.js')
const only = (process.env.ONLY ?? 'parse,index,zone,tracker,unans,replica,section,reload').split(',')
const mb = (n) => (n / 1048576).toFixed(0) + ' MiB'
let base = 0
const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed }
const keep = []
function step(name, fn) {
  if (!only.includes(name) && name !== 'parse' && name !== 'read') return undefined
  const h0 = heap(); const c0 = process.cpuUsage(); const t0 = performance.now()
  const out = fn()
  const c = process.cpuUsage(c0); const ms = (c.user + c.system) / 1000
  keep.push(out)
  const h1 = heap()
  console.log(`${name.padEnd(10)} ${ms.toFixed(0).padStart(7)} ms cpu  retained +${mb(h1 - h0)}  (heap ${mb(h1)}, rss ${mb(process.memoryUsage().rss)})`)
  return out
}
const arg = process.argv[2] ?? '100000'
const generate = (n) => {
  const ZONE = 'scale.test', ZERO = '0001-01-01T00:00:00Z'
  const ipOf = (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
  const out = [{ name: ZONE, type: 'SOA', value: `ns1.${ZONE}. hostmaster.${ZONE}. 1 3600 900 604800 60`, ttl: 3600, added_on: ZERO, updated_on: ZERO, last_query: ZERO }]
  for (let i = 0; i < n - 1; i++) out.push({ id: randomUUID(), name: `host${i}.${ZONE}`, type: 'A', value: ipOf(i), ttl: 3600, added_on: ZERO, updated_on: ZERO, last_query: ZERO })
  return Buffer.from(JSON.stringify({ records: out }))
}
const buf = step('read', () => (/^\d+$/.test(arg) ? generate(Number(arg)) : readFileSync(arg)))
const { records, extra } = step('parse', () => parseRecordsDocument(buf, 'dnsplane_record_lww'))
keep[0] = null
const index = step('index', () => RecordIndex.build(records))
step('zone', () => new ZoneData(index, { autoBuildPtrFromA: true }))
step('tracker', () => { const t = new ZoneTracker({ maxDiffs: 100, maxBytes: 1 << 20 }); t.load(records, new Map(), 1e9); return t })
step('unans', () => unanswerableRecords(records).length)
const state = step('replica', () => { const s = new ReplicaState(); s.recordLocal(records, 'adopt'); return s })
step('section', () => serializeRecordsFile(records, false, { key: 'x', value: encodeSection(state, 'n', { wall: 1, counter: 0 }, records) }).length)
// the section as the file holds it (not timed), then a restart's replica from it
const sectionText = only.includes('reload') ? JSON.stringify(encodeSection(state, 'n', { wall: 1, counter: 0 }, records)) : undefined
step('reload', () => {
  const section = decodeSection(JSON.parse(sectionText), records)
  const s = new ReplicaState()
  s.replay(section.entries, true) // a build without lazy hashes ignores the flag
  s.recordLocal(records, new HlcClock('n', () => 1e12, section.clock))
  return s
})
