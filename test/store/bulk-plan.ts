/** The bulk plan (pure): id conflicts, RRsets that would not fit a reply, oversized batches, NDJSON. */
import t from 'tap'
import { isOversizedBatch, parseNdjson, planBulk, type BulkOptions } from '../../src/store/bulk-plan.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'
import type { ValidRecordInput } from '../../src/store/record-validate.js'
import type { WritePlan } from '../../src/store/record-store.js'

let n = 0
const opts = (over: Partial<BulkOptions> = {}): BulkOptions => ({
  mode: 'add',
  guardPercent: 50,
  stamp: '2030-01-01T00:00:00Z',
  newRecord: (v: ValidRecordInput): DnsRecord => ({ id: v.id ?? `id${++n}`, name: v.name, type: v.type, value: v.value, ttl: v.ttl ?? 0, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME }),
  ...over,
})
const stored: DnsRecord = { id: 'taken', name: 'a.example', type: 'A', value: '192.0.2.1', ttl: 60, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME }

t.test('an id already in use, or used twice in the batch, is a conflict', async (t) => {
  t.throws(() => planBulk([stored], [{ id: 'taken', name: 'b.example', type: 'A', value: '192.0.2.2' }], opts()), { code: 'ERR_RECORD_CONFLICT' })
  t.throws(
    () => planBulk([], [{ id: 'x', name: 'b.example', type: 'A', value: '192.0.2.2' }, { id: 'x', name: 'c.example', type: 'A', value: '192.0.2.3' }], opts()),
    { code: 'ERR_RECORD_CONFLICT' },
  )
})

t.test('an RRset that would not fit one TCP reply is refused', async (t) => {
  const big = Array.from({ length: 300 }, (_, i) => ({ name: 'txt.example', type: 'TXT', value: `"${'x'.repeat(250)}${i}"` }))
  t.throws(() => planBulk([], big, opts()), { code: 'ERR_RECORD_INVALID', message: /would need a \d+-byte DNS reply/ })
})

t.test('a batch larger than one journal frame is written through', async (t) => {
  const { plan } = planBulk([], [{ name: 'a.example', type: 'A', value: '192.0.2.9' }], opts())
  t.equal(isOversizedBatch(plan), false)
  const nothing: WritePlan = { result: { records: [], messages: [] } }
  t.equal(isOversizedBatch(nothing), false)
  const huge = { ...stored, value: 'x'.repeat(70_000) }
  const entry = { op: 'batch' as const, entries: Array.from({ length: 400 }, () => ({ op: 'add' as const, records: [huge] })) }
  const oversized: WritePlan = { next: [], change: { source: 'local', kind: 'replace', records: [] }, entry, result: { records: [], messages: [] } }
  t.equal(isOversizedBatch(oversized), true)
})

t.test('a replace with nothing to change plans no write', async (t) => {
  const { plan, counts } = planBulk([stored], [{ name: 'a.example', type: 'A', value: '192.0.2.1' }], opts({ mode: 'replace', all: true }))
  t.equal(plan.next, undefined)
  t.match(counts, { unchanged: 1, deleted: 0, zone: null })
})

t.test('NDJSON lines', async (t) => {
  t.same(parseNdjson('{"a":1}\r\n\n{"b":2}'), [{ a: 1 }, { b: 2 }])
  t.throws(() => parseNdjson('{"a":1}\n{'), /NDJSON line 2 is not JSON/)
})
