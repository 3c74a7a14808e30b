import t from 'tap'
import { MAX_COMPLETION_PEERS, peerAddressesOf } from '../../../src/tui/hooks/use-peer-addresses.js'

t.test('peer addresses come from status.peers, else peers, unique and in order', async (t) => {
  t.same(peerAddressesOf({ peers: [{ address: 'b:1' }], status: { peers: [{ address: 'a:1' }, { address: 'a:1' }, { address: '' }, {}] } }), ['a:1'])
  t.same(peerAddressesOf({ peers: [{ address: 'b:1' }], status: { peers: null } }), ['b:1'])
  t.same(peerAddressesOf(null), [])
  const many = { peers: Array.from({ length: MAX_COMPLETION_PEERS + 5 }, (_, i) => ({ address: `h${i}:1` })) }
  t.equal(peerAddressesOf(many).length, MAX_COMPLETION_PEERS)
})
