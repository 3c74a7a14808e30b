import t from 'tap'
import { PeerTracker, replicationLagSeconds } from '../../../src/cluster/peers/peer-tracker.js'

t.test('an inbound sender is matched to the one configured peer on its IP until its node id is known', async (t) => {
  const tracker = new PeerTracker()
  const peers = ['10.0.0.1:7946', '10.0.0.2:7946', '[2001:db8::1]:7946']
  t.equal(tracker.addressByIp('10.0.0.2', peers), '10.0.0.2:7946')
  t.equal(tracker.addressByIp('::ffff:10.0.0.1', peers), '10.0.0.1:7946', 'IPv4-mapped form')
  t.equal(tracker.addressByIp('2001:DB8::1', peers), '[2001:db8::1]:7946')
  t.equal(tracker.addressByIp('10.0.0.9', peers), undefined)
  t.equal(tracker.addressByIp('127.0.0.1', ['127.0.0.1:1', '127.0.0.1:2']), undefined, 'ambiguous: no credit')
  tracker.get('10.0.0.2:7946').nodeId = 'node-b'
  t.equal(tracker.addressByIp('10.0.0.2', peers), undefined, 'a peer with a learned node id is matched by id only')
})

t.test('a sync proves the peer reachable, clears the stale probe error and takes the session RTT', async (t) => {
  const tracker = new PeerTracker()
  const p = tracker.get('b:1')
  Object.assign(p, { reachable: false, lastProbeError: 'connect ECONNREFUSED 10.0.0.2:7946', lastProbeRttMs: 900 })
  tracker.synced('b:1', 5000, 2.4)
  t.match(p, { reachable: true, lastProbeError: undefined, lastProbeRttMs: 2, lastSyncOk: 5000 })
  tracker.synced('b:1', 6000)
  t.equal(p.lastProbeRttMs, 2, 'an inbound sync has no RTT of its own and keeps the last one')
  t.equal(replicationLagSeconds(p, 6000, undefined), 0)
})

t.test('a sync makes a mismatch seen before it unknown; a match stays', async (t) => {
  const tracker = new PeerTracker()
  tracker.get('b:1').digestMatch = true
  tracker.synced('b:1', 1)
  t.equal(tracker.get('b:1').digestMatch, true)
  Object.assign(tracker.get('b:1'), { digestMatch: false, records: 41 })
  tracker.synced('b:1', 2)
  t.match(tracker.get('b:1'), { digestMatch: undefined, records: undefined }, 'the records the sync exchanged are not shown as differing, nor the old count')
})
