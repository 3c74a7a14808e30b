import t from 'tap'
import pino from 'pino'
import { ServedIndex } from '../../src/store/served-index.js'
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
  const second = s.buildDelta({ removed: [], added: [], replaced: [[b, b2]] }, [b2])
  t.same(second.records, [a, b2], 'a delta: the list as it makes it')
  t.ok(Object.isFrozen(b2), 'its new records frozen')
  const last = second.deltas[second.deltas.length - 1]
  t.same([last.from, last.to], [first.uid, second.uid])
  t.equal(last.replaced[0][0], b)
  const third = s.buildDelta({ removed: [a], added: [], replaced: [] }, [])
  t.same(third.deltas[third.deltas.length - 1].removed, [a])
  const c = rec('c')
  const fourth = s.build([b2, c], [c], true)
  t.same(fourth.deltas[fourth.deltas.length - 1].added, [c])
  t.equal(fourth.deltas.length, 4)
  const noIds = s.build([{ ...c, id: undefined }])
  t.same(noIds.deltas, [], 'no delta found: consumers rebuild')
})

t.test('publish hands listeners the change as it is: a lazy records getter is not read', async (t) => {
  const s = new ServedIndex(pino({ level: 'silent' }))
  const index = s.build([rec('a')])
  let reads = 0
  let seen: readonly DnsRecord[] | undefined
  s.onChange((e) => {
    t.equal(e.index, index)
    t.equal(reads, 0, 'not read before a listener asks')
    seen = e.records
  })
  s.publish(index, {
    source: 'replica',
    kind: 'replace',
    get records() {
      reads++
      return index.records
    },
  })
  t.equal(seen, index.records)
  t.equal(reads, 1)
})

t.test('swap prepares the id locator in idle turns', async (t) => {
  const s = new ServedIndex(pino({ level: 'silent' }))
  const many = Array.from({ length: 20_000 }, (_, i) => ({ ...rec('r' + i), name: `r${i}.example` }))
  s.swap(many, undefined)
  t.notOk(s.current.seq.warm(0), 'not complete right after the swap')
  for (let i = 0; i < 100 && !s.current.seq.warm(0); i++) await new Promise((r) => setImmediate(r))
  t.ok(s.current.seq.warm(0), 'complete after some idle turns')
  t.equal(s.current.findById('r19999'), many[19999])
})
