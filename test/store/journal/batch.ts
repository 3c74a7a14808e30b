/** The journal's `batch` entry (bulk load): one frame, decoded whole or refused, replayed all or nothing. */
import t from 'tap'
import { crc32, decodeJournal, encodeEntry, type JournalEntry } from '../../../src/store/journal/codec.js'
import { replayJournal } from '../../../src/store/journal/replay.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'

const rec = (name: string, value: string): DnsRecord => ({ name, type: 'A', value, ttl: 60, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME })
const SHA = 'a'.repeat(64)
const base: JournalEntry = { op: 'base', format: 1, snapshot_sha256: SHA }
const frames = (...entries: JournalEntry[]) => Buffer.concat(entries.map(encodeEntry))
const a = rec('a.example', '192.0.2.1')
const b = rec('b.example', '192.0.2.2')
const c = rec('c.example', '192.0.2.3')

t.test('a batch round-trips and replays in order', async (t) => {
  const batch: JournalEntry = { op: 'batch', entries: [{ op: 'delete', at: [0], records: [a] }, { op: 'update', at: [0], records: [{ ...b, ttl: 5 }] }, { op: 'add', records: [c] }] }
  const d = decodeJournal(frames(base, batch))
  t.equal(d.tail, undefined)
  t.same(d.entries[1], batch)
  const r = replayJournal([a, b], SHA, d.entries)
  t.same(r.records, [{ ...b, ttl: 5 }, c])
  t.equal(r.mismatched, 0)
  // A snapshot the positions do not fit: applied by identity, whole.
  const moved = replayJournal([b, a], SHA, d.entries)
  t.equal(moved.mismatched, 1)
  t.same(moved.records.map((x) => x.name).sort(), ['b.example', 'c.example'])
  const rebased = replayJournal([b, a], 'b'.repeat(64), d.entries)
  t.equal(rebased.mode, 'rebased')
})

t.test('a batch keeps its record_lww versions (one frame: the batch and its versions are durable together)', async (t) => {
  const lww = [{ key: 'id:x', version: { wall: 5, counter: 0, node: 'n' }, deleted: true }]
  const batch: JournalEntry = { op: 'batch', entries: [{ op: 'add', records: [c] }], lww }
  const d = decodeJournal(frames(base, batch))
  t.same(d.entries[1], batch)
  t.same(replayJournal([], SHA, d.entries).versions, [lww])
})

t.test('a malformed batch is a corrupt tail', async (t) => {
  const bad = (payload: unknown): string | undefined => {
    const json = Buffer.from(JSON.stringify(payload))
    const head = Buffer.alloc(8)
    head.writeUInt32BE(json.length, 0)
    head.writeUInt32BE(crc32(json), 4)
    return decodeJournal(Buffer.concat([encodeEntry(base), head, json])).reason
  }
  t.equal(bad({ op: 'batch', entries: [] }), 'batch entry without entries')
  t.equal(bad({ op: 'batch', entries: [{ op: 'batch', entries: [{ op: 'add', records: [] }] }] }), 'batch entry without entries')
  t.equal(bad({ op: 'batch', entries: [{ op: 'flush', snapshot_sha256: SHA }] }), 'batch entry holding a flush entry')
  t.equal(bad({ op: 'batch', entries: [{ op: 'add' }] }), 'entry without records')
})

t.test('replaying an add larger than a call takes arguments (a bulk import) does not overflow the stack', async (t) => {
  const many = Array.from({ length: 300_000 }, (_, i) => rec(`h${i}.example`, '192.0.2.1'))
  const r = replayJournal([], SHA, [base, { op: 'add', records: many }])
  t.equal(r.records.length, 300_000)
})
