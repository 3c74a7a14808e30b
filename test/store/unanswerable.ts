import t from 'tap'
import { CHEAP_COUNT_MS, RECOUNT_SPACING, UnanswerableCounter, unanswerableRecords } from '../../src/store/unanswerable.js'
import { parseRecordsFile } from '../../src/store/records-file.js'
import type { DnsRecord } from '../../src/store/record.js'

const r = (name: string, type: string, value: string): DnsRecord => ({ name, type, value, ttl: 300 }) as DnsRecord

t.test('an MX without a preference never loads: the codec names the record and the reason', async (t) => {
  t.throws(() => parseRecordsFile(JSON.stringify({ records: [r('example.com', 'MX', '10 mx.example.com'), r('example.com', 'MX', 'mail.example.com')] })), {
    code: 'ERR_RECORDS_PARSE',
    message: /records\[1\]\.value: must be "<preference 0\.\.65535> <host>"/,
  })
})

t.test('records that load but are never answered are listed with index and reason', async (t) => {
  const records = [
    r('example.com', 'SOA', 'ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300'),
    r('www.example.com', 'CNAME', 'web.example.com'),
    r('www.example.com', 'A', '192.0.2.1'),
    r('sub.example.com', 'NS', 'ns.sub.example.com'),
    r('ns.sub.example.com', 'A', '192.0.2.53'),
    r('txt.sub.example.com', 'TXT', '"hidden"'),
    r('old.example.com', 'DNAME', 'new.example.org'),
    r('a.old.example.com', 'A', '192.0.2.2'),
    r('ok.example.com', 'A', '192.0.2.3'),
    r('other.test', 'NS', 'ns.other.test'),
    r('x.other.test', 'TXT', '"no zone here: served as is"'),
    r('loc.example.com', 'LOC', '1 2 3'),
  ]
  t.equal(parseRecordsFile(JSON.stringify({ records })).length, records.length, 'every one of them loads')
  const found = unanswerableRecords(records)
  t.same(found.map((u) => [u.index, u.type]), [[2, 'A'], [5, 'TXT'], [7, 'A'], [11, 'LOC']])
  t.match(found[0].reason, /shadowed by the CNAME/)
  t.match(found[1].reason, /below the zone cut at sub\.example\.com/)
  t.match(found[2].reason, /below the DNAME at old\.example\.com/)
  t.match(found[3].reason, /does not encode as LOC/)
  let passes = 0
  const counter = new UnanswerableCounter(() => 0)
  const list = () => (passes++, records)
  t.equal(counter.count(records, list), 4)
  t.equal(counter.count(records, list), 4, 'counted once per key')
  t.equal(passes, 1)
  t.same(unanswerableRecords([]), [])
})

t.test('a costly count is repeated only after RECOUNT_SPACING times its duration; a cheap one on every change', (t) => {
  const shadowed = [r('a.example.com', 'CNAME', 'b.example.com'), r('a.example.com', 'A', '192.0.2.1')]
  const clean = [r('a.example.com', 'A', '192.0.2.1')]
  // each pass "takes" `took` ms on this clock: the clock advances only while the list is read
  let now = 0
  let took = CHEAP_COUNT_MS * 2
  const counter = new UnanswerableCounter(() => now)
  const timed = (records: typeof clean) => () => ((now += took), records)
  t.equal(counter.count({}, timed(shadowed)), 1)
  now += took * RECOUNT_SPACING - 1
  t.equal(counter.count({}, timed(clean)), 1, 'a new generation within the spacing gets the last count')
  now += 1
  t.equal(counter.count({}, timed(clean)), 0, 'recounted once the spacing has passed')
  took = 0
  now += CHEAP_COUNT_MS * 2 * RECOUNT_SPACING
  t.equal(counter.count({}, timed(shadowed)), 1, 'a pass that took no time')
  t.equal(counter.count({}, timed(clean)), 0, 'is repeated on the next change at once')
  t.end()
})

t.test('only names that can hide what is below them are looked at, nearest first; an apex NS hides nothing', async (t) => {
  const records = [
    r('z.test', 'SOA', 'ns.z.test. h.z.test. 1 7200 3600 1209600 300'),
    r('z.test', 'NS', 'ns.z.test'),
    r('cut.z.test', 'NS', 'ns.cut.z.test'),
    r('d.cut.z.test', 'DNAME', 'elsewhere.test'),
    r('x.d.cut.z.test', 'TXT', '"below both"'),
    r('y.cut.z.test', 'TXT', '"below the cut"'),
    r('w.z.test', 'TXT', '"below the apex NS: answered"'),
  ]
  const found = unanswerableRecords(records)
  t.same(found.map((u) => u.index), [3, 4, 5], 'the DNAME itself is below the cut')
  t.match(found[1].reason, /below the DNAME at d\.cut\.z\.test/, 'the nearest hiding name counts')
  t.match(found[2].reason, /below the zone cut at cut\.z\.test/)
})
