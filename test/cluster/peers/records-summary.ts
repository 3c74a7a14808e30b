import t from 'tap'
import { cachedSummary, recordsDigest } from '../../../src/cluster/peers/records-summary.js'
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

t.test('the summary is computed once per record set', async (t) => {
  let key = {}
  let records = [r('a.example', '192.0.2.1')]
  let lists = 0
  const summary = cachedSummary(() => key, () => (lists++, records))
  t.equal(summary().count, 1)
  t.equal(summary(), summary())
  t.equal(lists, 1)
  records = [...records, r('b.example', '192.0.2.2')]
  key = {}
  t.equal(summary().count, 2)
  t.equal(lists, 2)
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
