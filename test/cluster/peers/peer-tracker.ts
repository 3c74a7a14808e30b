import t from 'tap'
import { PeerTracker } from '../../../src/cluster/peers/peer-tracker.js'

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
