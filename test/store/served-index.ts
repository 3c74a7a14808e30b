import t from 'tap'
import pino from 'pino'
import { entryDelta, ServedIndex } from '../../src/store/served-index.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'

const rec = (id: string, value = '192.0.2.1'): DnsRecord => ({
  id, name: 'a.example', type: 'A', value, ttl: 60, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})

t.test('every index built records its change from the previous one', async (t) => {
  const s = new ServedIndex(pino({ level: 'silent' }))
  const [a, b] = [rec('a'), rec('b')]
  const first = s.build([a, b])
  t.same(first.deltas.map((d) => d.added.length), [2], 'from the empty index: both added (found by id)')
  const b2 = rec('b', '192.0.2.2')
  const second = s.build([a, b2], [b2], false, entryDelta(first.records, { op: 'update', at: [1], records: [b2] }))
  const last = second.deltas[second.deltas.length - 1]
  t.same([last.from, last.to], [first.uid, second.uid])
  t.equal(last.replaced[0][0], b)
  const third = s.build([b2], [], false, entryDelta(second.records, { op: 'delete', at: [0], records: [a] }))
  t.same(third.deltas[third.deltas.length - 1].removed, [a])
  const c = rec('c')
  const fourth = s.build([b2, c], [c], true, entryDelta(third.records, { op: 'add', records: [c] }))
  t.same(fourth.deltas[fourth.deltas.length - 1].added, [c])
  t.equal(fourth.deltas.length, 4)
  const noIds = s.build([{ ...c, id: undefined }])
  t.same(noIds.deltas, [], 'no delta found: consumers rebuild')
  t.equal(entryDelta([], { op: 'flush', snapshot_sha256: 'x' }), undefined)
})
