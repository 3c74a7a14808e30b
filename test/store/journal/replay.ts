import t from 'tap'
import { JOURNAL_FORMAT, type JournalEntry } from '../../../src/store/journal/codec.js'
import { replayJournal } from '../../../src/store/journal/replay.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'

const SHA_A = 'a'.repeat(64)
const SHA_B = 'b'.repeat(64)
const SHA_C = 'c'.repeat(64)
const rec = (name: string, extra: Partial<DnsRecord> = {}): DnsRecord => ({
  name, type: 'A', value: '192.0.2.1', ttl: 60, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME, ...extra,
})
const base = (sha: string): JournalEntry => ({ op: 'base', format: JOURNAL_FORMAT, snapshot_sha256: sha })
const names = (rs: readonly DnsRecord[]) => rs.map((r) => `${r.name}/${r.ttl}`)

t.test('entries after the base naming the snapshot apply by position', async (t) => {
  const snap = [rec('a'), rec('b'), rec('c')]
  const r = replayJournal(snap, SHA_A, [
    base(SHA_A),
    { op: 'add', records: [rec('d')] },
    { op: 'update', at: [1], records: [rec('b', { ttl: 5 })] },
    { op: 'delete', at: [0, 2], records: [rec('a'), rec('c')] },
  ])
  t.same(names(r.records), ['b/5', 'd/60'])
  t.match(r, { applied: 3, mode: 'positional', mismatched: 0 })
  t.same(names(snap), ['a/60', 'b/60', 'c/60'], 'the snapshot is not modified')
})

t.test('a snapshot written by a flush replays only the entries after its marker', async (t) => {
  // The file already holds a+x (flushed); the crash came before the journal reset.
  const entries: JournalEntry[] = [base(SHA_A), { op: 'add', records: [rec('x')] }, { op: 'flush', snapshot_sha256: SHA_B }, { op: 'add', records: [rec('y')] }]
  t.same(names(replayJournal([rec('a'), rec('x')], SHA_B, entries).records), ['a/60', 'x/60', 'y/60'], 'x is not applied twice')
  t.same(names(replayJournal([rec('a')], SHA_A, entries).records), ['a/60', 'x/60', 'y/60'], 'the rename never happened: all entries')
})

t.test('a background flush marker names the offset its snapshot was taken at: the entries from there on replay, before the marker too', async (t) => {
  // x was in the journal when the generation was taken (offset 20); y landed while the snapshot was written, z after its marker.
  const entries: JournalEntry[] = [base(SHA_A), { op: 'add', records: [rec('x')] }, { op: 'add', records: [rec('y')] }, { op: 'flush', snapshot_sha256: SHA_B, from: 20 }, { op: 'add', records: [rec('z')] }]
  const offsets = [0, 10, 20, 30, 40]
  t.same(names(replayJournal([rec('a'), rec('x')], SHA_B, entries, offsets).records), ['a/60', 'x/60', 'y/60', 'z/60'], 'renamed: y and z, not x')
  t.same(names(replayJournal([rec('a')], SHA_A, entries, offsets).records), ['a/60', 'x/60', 'y/60', 'z/60'], 'not renamed: everything')
  t.same(names(replayJournal([rec('a'), rec('x'), rec('y')], SHA_B, entries).records), ['a/60', 'x/60', 'y/60', 'z/60'], 'without offsets: after the marker')
})

t.test('an unknown snapshot (edited while stopped) gets the entries by identity, idempotently', async (t) => {
  const entries: JournalEntry[] = [
    base(SHA_A),
    { op: 'add', records: [rec('x'), rec('kept')] },
    { op: 'update', at: [7], records: [rec('u', { id: 'id-u', ttl: 9 })] },
    { op: 'update', at: [3], records: [rec('new')] },
    { op: 'delete', at: [0], records: [rec('gone')] },
    { op: 'delete', at: [5], records: [rec('absent')] },
  ]
  const edited = [rec('kept'), rec('renamed', { id: 'id-u' }), rec('gone'), rec('edit')]
  const r = replayJournal(edited, SHA_C, entries)
  t.same(names(r.records), ['kept/60', 'u/9', 'edit/60', 'x/60', 'new/60'])
  t.match(r, { mode: 'rebased', applied: 5 })
  t.same(replayJournal(r.records, SHA_C, entries).records, r.records, 'replaying again changes nothing')
})

t.test('positions that do not name their records fall back to identity', async (t) => {
  const snap = [rec('a'), rec('b')]
  const r = replayJournal(snap, SHA_A, [
    base(SHA_A),
    { op: 'delete', at: [0], records: [rec('b')] },
    { op: 'update', at: [4], records: [rec('a', { ttl: 1 })] },
    { op: 'delete', at: [0, 0], records: [rec('a', { ttl: 1 }), rec('a', { ttl: 1 })] },
  ])
  t.same(names(r.records), [])
  t.match(r, { mode: 'positional', mismatched: 3 })
})

t.test('no entries: the snapshot as it is', async (t) => {
  t.match(replayJournal([rec('a')], SHA_A, []), { applied: 0, mode: 'positional' })
  t.match(replayJournal([rec('a')], SHA_A, [base(SHA_B)]), { applied: 0, mode: 'rebased' })
})
