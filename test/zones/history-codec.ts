import t from 'tap'
import { createHash } from 'node:crypto'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'
import { decodeHistory, encodeDiffLine } from '../../src/zones/history-codec.js'
import { ZoneTracker, type ZoneDiff } from '../../src/zones/zone-tracker.js'

const T0 = 1_800_000_000
const iso = (s: number) => new Date(s * 1000).toISOString()
const rec = (name: string, type: string, value: string, updated = T0): DnsRecord => ({
  name, type, value, ttl: 300, added_on: GO_ZERO_TIME, updated_on: iso(updated), last_query: GO_ZERO_TIME,
})

/** Three real differences of zone z.test: two adds and a delete. */
function diffs(): ZoneDiff[] {
  const z = new ZoneTracker({ maxDiffs: 10, maxBytes: 1_000_000 })
  let records = [rec('z.test', 'SOA', 'ns.z.test. h.z.test. 1 3600 900 604800 300'), rec('z.test', 'NS', 'ns.z.test.'), rec('www.z.test', 'A', '192.0.2.1')]
  z.load(records, new Map(), T0)
  records = [...records, rec('a.z.test', 'A', '192.0.2.2', T0 + 1)]
  z.update(records, T0 + 1)
  records = [...records, rec('b.z.test', 'TXT', '"hello"', T0 + 2)]
  z.update(records, T0 + 2)
  z.update(records.filter((r) => r.name !== 'www.z.test'), T0 + 3)
  return [...z.historyOf('z.test')]
}

const strip = (d: ZoneDiff) => ({ ...d, oldSoa: { name: d.oldSoa.name, body: d.oldSoa.body }, newSoa: { name: d.newSoa.name, body: d.newSoa.body } })

t.test('lines round-trip every field; an empty file is no history', async (t) => {
  const ds = diffs()
  t.equal(ds.length, 3)
  const text = ds.map((d) => encodeDiffLine('z.test', d)).join('')
  const back = decodeHistory('z.test', text)
  t.same(back.diffs.map(strip), ds.map(strip))
  t.equal(back.cut, undefined)
  t.notOk(back.restarted)
  t.same(decodeHistory('z.test', ''), { diffs: [], restarted: false })
})

t.test('damage ends the read at the damaged line, never throws', async (t) => {
  const ds = diffs()
  const lines = ds.map((d) => encodeDiffLine('z.test', d))
  const cases: [string, string, number][] = [
    [lines[0] + lines[1].slice(0, 40), 'the last line is incomplete', 1],
    [lines[0] + lines[1].slice(0, 30) + 'x' + lines[1].slice(31), 'checksum mismatch', 1],
    [lines[0] + 'garbage\n', 'no checksum', 1],
    [lines[0] + reseal('{"v":1'), 'not JSON', 1],
    [reseal('null'), 'unknown line version', 0],
    [reseal('{"v":2}'), 'unknown line version', 0],
    [encodeDiffLine('other.test', ds[0]), 'another zone', 0],
    [reseal(JSON.stringify({ ...json(lines[0]), to: -1 })), 'bad serials or digest', 0],
    [reseal(JSON.stringify({ ...json(lines[0]), digest: 5 })), 'bad serials or digest', 0],
    [reseal(JSON.stringify({ ...json(lines[0]), old: ['elsewhere.test', json(lines[0]).old[1]] })), 'bad SOA', 0],
    [reseal(JSON.stringify({ ...json(lines[0]), new: json(lines[0]).add[0] })), 'bad SOA', 0],
    [reseal(JSON.stringify({ ...json(lines[0]), new: ['z.test', Buffer.from([0, 6, 0, 1, 0, 0, 0, 1, 0, 0]).toString('base64')] })), 'bad SOA', 0],
    [reseal(JSON.stringify({ ...json(lines[0]), add: [['a.z.test', 'AAE=']] })), 'bad RR', 0],
    [reseal(JSON.stringify({ ...json(lines[0]), add: [['a..z.test', json(lines[0]).add[0][1]]] })), 'bad RR', 0],
    [reseal(JSON.stringify({ ...json(lines[0]), add: [['x'.repeat(2000), json(lines[0]).add[0][1]]] })), 'bad RR', 0],
    [reseal(JSON.stringify({ ...json(lines[0]), add: [[1, 2]] })), 'bad RR', 0],
    [reseal(JSON.stringify({ ...json(lines[0]), del: 'none' })), 'bad RR', 0],
    [reseal(JSON.stringify({ ...json(lines[0]), old: null })), 'bad SOA', 0],
  ]
  for (const [text, why, kept] of cases) {
    const r = decodeHistory('z.test', text)
    t.equal(r.cut, why, why)
    t.equal(r.diffs.length, kept)
  }
})

t.test('a break in the chain drops the older part (a history that started over)', async (t) => {
  const ds = diffs()
  const text = encodeDiffLine('z.test', ds[0]) + encodeDiffLine('z.test', ds[2])
  const r = decodeHistory('z.test', text)
  t.ok(r.restarted)
  t.same(r.diffs.map((d) => d.from), [ds[2].from])
})

function json(line: string): Record<string, [string, string]> & { add: [string, string][] } {
  return JSON.parse(line.slice(17)) as Record<string, [string, string]> & { add: [string, string][] }
}

/** A line with a valid checksum over `body` (the codec's rule: 16 hex digits of SHA-256). */
function reseal(body: string): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16) + ' ' + body + '\n'
}
