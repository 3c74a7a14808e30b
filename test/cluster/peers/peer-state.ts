import t from 'tap'
import {
  advancePeerSeq,
  commitApplied,
  decideSnapshot,
  effectiveSeq,
  emptyState,
  isDuplicate,
  parseState,
  resolveNodeId,
  serializeState,
  type ClusterState,
} from '../../../src/cluster/peers/peer-state.js'
import { policyFor, type PolicyState } from '../../../src/cluster/sync/policies/index.js'

const withSeq = (peer_seq: Record<string, number>): ClusterState => ({ ...emptyState('me'), peer_seq })
const ps: PolicyState = { allowed_writer_node_ids: [], last_global_lww_unix: 0, last_global_lww_node_id: '' }
const input = (node_id: string, seq: number, timestamp_unix = 10, record_count = 1) => ({ node_id, seq, timestamp_unix, record_count })

t.test('duplicate rule: seq 0 counts as 1, empty node id is always a duplicate', async (t) => {
  const cases: [Record<string, number>, string, number, boolean][] = [
    [{}, '', 5, true],
    [{}, 'a', 0, false],
    [{}, 'a', 1, false],
    [{ a: 1 }, 'a', 0, true],
    [{ a: 1 }, 'a', 1, true],
    [{ a: 1 }, 'a', 2, false],
    [{ a: 7 }, 'a', 6, true],
    [{ a: 7 }, 'b', 1, false],
    [{}, 'constructor', 1, false],
  ]
  for (const [seqs, node, seq, dup] of cases) t.equal(isDuplicate(withSeq(seqs), node, seq), dup, `${JSON.stringify(seqs)} ${node}:${seq}`)
  t.equal(effectiveSeq(0), 1)
  t.equal(effectiveSeq(9), 9)
})

t.test('decision order: duplicate, fresh-node guard, then policy', async (t) => {
  const lww = policyFor('lww_per_node')
  const pw = policyFor('primary_writer')
  t.same(decideSnapshot(withSeq({ a: 3 }), input('a', 3), pw, ps, true), { action: 'duplicate' }, 'duplicate before policy')
  const fresh = decideSnapshot(withSeq({}), input('a', 0, 10, 0), lww, ps, true)
  t.equal(fresh.action, 'reject')
  if (fresh.action === 'reject') {
    t.equal(fresh.reason, 'empty_from_fresh_node')
    t.same(fresh.state.peer_seq, {}, 'the guard does not burn the seq')
  }
  t.same(decideSnapshot(withSeq({}), input('a', 0, 10, 3), lww, ps, false), { action: 'apply' }, 'seq 0 may seed an empty node')
  const rej = decideSnapshot(withSeq({ a: 1 }), input('a', 4), pw, ps, true)
  t.equal(rej.action, 'reject')
  if (rej.action === 'reject') {
    t.equal(rej.reason, 'primary_writer_no_allowlist')
    t.same(rej.state.peer_seq, { a: 4 }, 'a policy rejection advances peer_seq')
  }
  t.same(decideSnapshot(withSeq({}), input('a', 2), lww, ps, true), { action: 'apply' })
})

t.test('commit after apply advances peer_seq and, for global_lww, the winner tuple', async (t) => {
  const s1 = commitApplied(withSeq({ a: 1 }), input('a', 5, 100), policyFor('lww_per_node'))
  t.same(s1.peer_seq, { a: 5 })
  t.equal(s1.last_global_lww_unix, 0)
  const s2 = commitApplied(withSeq({}), input('b', 2, -3), policyFor('global_lww'))
  t.equal(s2.last_global_lww_unix, 1)
  t.equal(s2.last_global_lww_node_id, 'b')
  const s3 = commitApplied(withSeq({}), input('c', 0), policyFor('lww_per_node'))
  t.same(s3.peer_seq, {}, 'a seq-0 apply leaves room for the sender’s seq 1')
  t.same(advancePeerSeq(withSeq({ a: 9 }), 'a', 3).peer_seq, { a: 9 }, 'never moves backwards')
})

t.test('node id: config wins, then stored, then random node-<16 hex>', async (t) => {
  const rnd = () => Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 0xff])
  t.equal(resolveNodeId('  cfg ', 'stored', rnd), 'cfg')
  t.equal(resolveNodeId('', 'stored', rnd), 'stored')
  t.equal(resolveNodeId(undefined, '', rnd), 'node-deadbeef000102ff')
  t.match(resolveNodeId(' ', ' ', rnd), /^node-[0-9a-f]{16}$/)
})

t.test('state file text: 2-space JSON, omitempty, and strict parsing', async (t) => {
  t.equal(serializeState(emptyState('n1')), '{\n  "node_id": "n1",\n  "local_seq": 0\n}\n')
  const full: ClusterState = { node_id: 'n', local_seq: 12, peer_seq: { 'node-b': 7 }, last_global_lww_unix: 1735689600, last_global_lww_node_id: 'node-b' }
  t.same(parseState(serializeState(full)), full)
  t.same(parseState('{"node_id":"x"}'), emptyState('x'))
  for (const bad of ['nope', '[]', '{"local_seq":-1}', '{"local_seq":"1"}', '{"peer_seq":{"a":1.5}}', '{"node_id":3}']) {
    t.throws(() => parseState(bad), { code: 'ERR_STATE_LOAD' }, bad)
  }
})

t.test('state file: challenge_peers (ours) round-trips, is omitted when empty and refused when malformed', async (t) => {
  const s: ClusterState = { ...emptyState('n'), challenge_peers: { addresses: ['b:1'], node_ids: ['node-b'] } }
  const text = serializeState(s)
  t.match(text, /"challenge_peers": \{/)
  t.same(parseState(text), s)
  t.notMatch(serializeState(emptyState('n')), /challenge_peers/)
  t.throws(() => parseState('{"challenge_peers":{"addresses":[1]}}'), { code: 'ERR_STATE_LOAD' })
})
