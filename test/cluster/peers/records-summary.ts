import t from 'tap'
import { cachedSummary, recordsDigest, type SummarySource } from '../../../src/cluster/peers/records-summary.js'
import { RecordIndex } from '../../../src/store/record-index.js'
import { notePeerAnnouncement } from '../../../src/cluster/peers/announcements.js'
import { PeerTracker } from '../../../src/cluster/peers/peer-tracker.js'
import type { DnsRecord } from '../../../src/store/record.js'

const r = (name: string, value: string, ttl = 60, id?: string): DnsRecord => ({ name, type: 'A', value, ttl, ...(id ? { id } : {}) }) as DnsRecord

t.test('the digest depends on the set, not its order, name case or ids', async (t) => {
  const a = [r('a.example', '192.0.2.1'), r('b.example', '192.0.2.2')]
  const d = recordsDigest(a)
  t.match(d, /^[0-9a-f]{16}$/)
  t.equal(recordsDigest([...a].reverse()), d)
  t.equal(recordsDigest([r('A.Example', '192.0.2.1', 60, 'id-1'), r('b.example', '192.0.2.2')]), d)
  t.not(recordsDigest([r('a.example', '192.0.2.1', 61), r('b.example', '192.0.2.2')]), d, 'a TTL change shows')
  t.not(recordsDigest([...a, a[0]]), d, 'a duplicated record does not cancel out')
  t.equal(recordsDigest([]), '0000000000000000')
})

t.test('the summary follows the index: computed once per change, moved by its deltas without reading the records', async (t) => {
  const a = r('a.example', '192.0.2.1', 60, 'a')
  const b = r('b.example', '192.0.2.2', 60, 'b')
  const c = r('c.example', '192.0.2.3', 60, 'c')
  let index = RecordIndex.build([a, b], 1)
  let reads = 0
  // the records a summary reads of an index, counted: only a full pass reads them
  const watched = (ix: RecordIndex): SummarySource => ({
    uid: ix.uid,
    size: ix.size,
    deltas: ix.deltas,
    get records() {
      reads++
      return ix.records
    },
  })
  let source = watched(index)
  const summary = cachedSummary(() => source)
  t.same(summary(), { count: 2, digest: recordsDigest([a, b]) })
  t.equal(summary(), summary(), 'cached while the index stands')
  t.equal(reads, 1)
  const b2 = { ...b, ttl: 61 }
  index = index.withDelta([a, b2, c], 2, { removed: [], added: [c], replaced: [[b, b2]] })
  source = watched(index)
  t.same(summary(), { count: 3, digest: recordsDigest([a, b2, c]) }, 'an add and a replace')
  index = index.withDelta([b2, c], 3, { removed: [a], added: [], replaced: [] })
  source = watched(index)
  t.same(summary(), { count: 2, digest: recordsDigest([b2, c]) }, 'a remove')
  t.equal(reads, 1, 'no pass over the records after the first')
  source = watched(RecordIndex.build([c], 9))
  t.same(summary(), { count: 1, digest: recordsDigest([c]) }, 'an index without a path back is summed anew')
  t.equal(reads, 2)
})

t.test('an announcement records the peer count and digest verdict; a Go peer clears them', async (t) => {
  const tracker = new PeerTracker()
  const own = { count: 2, digest: 'aaaa' }
  const deps = {
    tracker,
    state: { noteChallengePeer: () => {} } as never,
    now: () => 0,
    log: { warn: () => {} } as never,
    emit: () => {},
    recordsSummary: () => own,
  }
  notePeerAnnouncement(deps, 'b:1', { node_id: 'b', records: 2, records_digest: 'aaaa' }, 0)
  t.match(tracker.get('b:1'), { records: 2, digestMatch: true })
  notePeerAnnouncement(deps, 'b:1', { node_id: 'b', records: 1, records_digest: 'bbbb' }, 0)
  t.match(tracker.get('b:1'), { records: 1, digestMatch: false })
  notePeerAnnouncement({ ...deps, recordsSummary: undefined }, 'b:1', { node_id: 'b', records: 1, records_digest: 'bbbb' }, 0)
  t.equal(tracker.get('b:1').digestMatch, undefined, 'nothing to compare with')
  notePeerAnnouncement(deps, 'b:1', { node_id: 'b' }, 0)
  t.match(tracker.get('b:1'), { records: undefined, digestMatch: undefined })
})
