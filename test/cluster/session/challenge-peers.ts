import t from 'tap'
import { isChallengePeer, MAX_CHALLENGE_PEERS, noteChallengePeer, parseChallengePeers } from '../../../src/cluster/session/challenge-peers.js'

t.test('an address or a node id, once noted, is a challenge peer', async (t) => {
  t.equal(isChallengePeer(undefined, 'b:1', 'node-b'), false)
  const k = noteChallengePeer(undefined, 'b:1', 'node-b')
  t.same(k, { addresses: ['b:1'], node_ids: ['node-b'] })
  t.equal(isChallengePeer(k, 'b:1'), true, 'by address')
  t.equal(isChallengePeer(k, '10.0.0.2:7946', 'node-b'), true, 'by the node id last seen at another address')
  t.equal(isChallengePeer(k, 'c:1', 'node-c'), false)
  t.equal(isChallengePeer(k, 'c:1', ''), false, 'an empty node id matches nothing')
})

t.test('noting what is known already changes nothing; empty values are ignored', async (t) => {
  const k = noteChallengePeer(undefined, 'b:1', 'node-b')
  t.equal(noteChallengePeer(k, 'b:1', 'node-b'), undefined)
  t.equal(noteChallengePeer(k, '', ''), undefined)
  t.equal(noteChallengePeer(k, undefined, undefined), undefined)
  t.same(noteChallengePeer(k, undefined, 'node-c'), { addresses: ['b:1'], node_ids: ['node-b', 'node-c'] })
})

t.test('each list keeps at most MAX_CHALLENGE_PEERS entries, forgetting the oldest', async (t) => {
  let k = noteChallengePeer(undefined, 'p0:1', undefined)
  for (let i = 1; i <= MAX_CHALLENGE_PEERS; i++) k = noteChallengePeer(k, `p${i}:1`, undefined) ?? k
  t.equal(k?.addresses.length, MAX_CHALLENGE_PEERS)
  t.equal(isChallengePeer(k, 'p0:1'), false)
  t.equal(isChallengePeer(k, `p${MAX_CHALLENGE_PEERS}:1`), true)
})

t.test('parses the stored form and refuses a malformed one', async (t) => {
  t.equal(parseChallengePeers(undefined), undefined)
  t.equal(parseChallengePeers(null), undefined)
  t.equal(parseChallengePeers({ addresses: [], node_ids: [] }), undefined)
  t.same(parseChallengePeers({ addresses: ['b:1'] }), { addresses: ['b:1'], node_ids: [] })
  for (const bad of [[], 'x', { addresses: 'b:1' }, { node_ids: [1] }]) {
    t.throws(() => parseChallengePeers(bad), { code: 'ERR_STATE_LOAD' }, JSON.stringify(bad))
  }
})
