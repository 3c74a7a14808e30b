import t from 'tap'
import {
  applyHeldChange,
  deletedRecords,
  describeMassDelete,
  isMassDelete,
  isSeedContent,
  MASS_DELETE_MIN_RECORDS,
} from '../../src/store/mass-delete.js'
import { DEFAULT_RECORDS } from '../../src/store/records-file.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'

const rec = (i: number, ttl = 60): DnsRecord => ({
  name: `r${i}.example.org`,
  type: 'A',
  value: `192.0.2.${i}`,
  ttl,
  added_on: GO_ZERO_TIME,
  updated_on: GO_ZERO_TIME,
  last_query: GO_ZERO_TIME,
})
const many = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => rec(from + k))

t.test('isMassDelete: more than the share, at least the minimum count, 0 and 100 turn it off', async (t) => {
  t.equal(MASS_DELETE_MIN_RECORDS, 10)
  t.ok(isMassDelete(26, 50, 50), '26 of 50 is more than half')
  t.notOk(isMassDelete(25, 50, 50), 'exactly half is allowed')
  t.notOk(isMassDelete(9, 9, 50), 'fewer than the minimum count is never held, even all of them')
  t.ok(isMassDelete(10, 10, 50), 'the minimum count is held')
  t.ok(isMassDelete(11, 100, 10), 'a lower guard holds smaller shares')
  t.notOk(isMassDelete(50, 50, 0), '0 = off')
  t.notOk(isMassDelete(50, 50, 100), '100 = off (cannot delete more than all)')
})

t.test('deletedRecords compares by name+type+value (case and trailing dot ignored)', async (t) => {
  const before = [rec(1), rec(2), rec(3)]
  const after = [{ ...rec(1), name: 'R1.EXAMPLE.ORG.' }, { ...rec(2), ttl: 999 }]
  t.same(deletedRecords(before, after).map((r) => r.name), ['r3.example.org'])
})

t.test('describeMassDelete names the counts and a bounded sample', async (t) => {
  const base = many(1, 31)
  const proposed = many(1, 6)
  const info = describeMassDelete('file', base, proposed, deletedRecords(base, proposed), 50, new Date('2026-01-02T03:04:05Z'))
  t.match(info, { source: 'file', removed: 25, total: 30, proposed_total: 5, percent: 50, held_at: '2026-01-02T03:04:05.000Z' })
  t.equal(info.removed_sample.length, 10)
  t.equal(info.removed_sample[0], 'r6.example.org A 192.0.2.6')
})

t.test('applyHeldChange: nothing changed since the hold gives the proposed set', async (t) => {
  const base = many(1, 21)
  const proposed = [...many(1, 4), rec(99)]
  t.same(applyHeldChange({ base, proposed }, base), proposed)
})

t.test('applyHeldChange keeps writes made after the hold and applies the held adds, changes and deletes', async (t) => {
  const base = many(1, 21)
  const proposed = [rec(1, 300), rec(2), rec(99)]
  // After the hold: r3 updated by the API, r50 added by a peer, r20 deleted by the API.
  const current = [...many(1, 3), { ...rec(3), ttl: 5 }, ...many(4, 20), rec(50)]
  const out = applyHeldChange({ base, proposed }, current)
  t.same(
    out.map((r) => `${r.name} ${r.ttl}`),
    ['r1.example.org 300', 'r2.example.org 60', 'r50.example.org 60', 'r99.example.org 60'],
  )
})

t.test('isSeedContent: the demo record untouched, or nothing', async (t) => {
  t.ok(isSeedContent([]))
  t.ok(isSeedContent(DEFAULT_RECORDS.map((r) => ({ ...r }))))
  t.notOk(isSeedContent([{ ...DEFAULT_RECORDS[0], ttl: 60 }]), 'a changed demo record is the operator\'s')
  t.notOk(isSeedContent([{ ...DEFAULT_RECORDS[0], id: 'x' }]), 'an API-added copy has an id')
  t.notOk(isSeedContent([rec(1)]))
})
