import t from 'tap'
import { commitApplied, decideSnapshot, emptyState, type ClusterState } from '../../../../src/cluster/peers/peer-state.js'
import { policyFor, type PolicyState } from '../../../../src/cluster/sync/policies/index.js'
import { lwwPerNode } from '../../../../src/cluster/sync/policies/lww-per-node.js'

const base: PolicyState = { allowed_writer_node_ids: [], last_global_lww_unix: 0, last_global_lww_node_id: '' }

t.test('lww_per_node applies where the other policies refuse: any sender, any timestamp, any allowlist', async (t) => {
  // Each row is a case that primary_writer or global_lww refuses; lww_per_node must apply them all.
  const rows: [string, { node_id: string; seq: number; timestamp_unix: number }, PolicyState][] = [
    ['a sender outside a non-empty allowlist', { node_id: 'node-x', seq: 3, timestamp_unix: 100 }, { ...base, allowed_writer_node_ids: ['node-a'] }],
    ['an empty allowlist', { node_id: 'node-x', seq: 3, timestamp_unix: 100 }, base],
    ['a timestamp older than the last global winner', { node_id: 'node-a', seq: 3, timestamp_unix: 50 }, { ...base, last_global_lww_unix: 100, last_global_lww_node_id: 'node-z' }],
    ['a zero timestamp', { node_id: 'node-a', seq: 3, timestamp_unix: 0 }, { ...base, last_global_lww_unix: 100, last_global_lww_node_id: 'node-z' }],
  ]
  for (const [name, snap, state] of rows) {
    const others = ['primary_writer', 'global_lww'].map((p) => policyFor(p).decide(snap, state))
    t.ok(others.some((d) => !d.apply), `${name}: another policy refuses it`)
    t.same(lwwPerNode.decide(snap, state), { apply: true }, `${name}: lww_per_node applies it`)
  }
})

t.test('lww_per_node end to end: the last snapshot to arrive wins, even when its timestamp is older; duplicates are still dropped', async (t) => {
  let state: ClusterState = emptyState('me')
  let records = 'initial'
  const arrive = (node_id: string, seq: number, timestamp_unix: number, content: string) => {
    const snap = { node_id, seq, timestamp_unix, record_count: 1 }
    const d = decideSnapshot(state, snap, lwwPerNode, base, true)
    if (d.action === 'apply') {
      records = content
      state = commitApplied(state, snap, lwwPerNode)
    }
    return d.action
  }
  t.equal(arrive('node-a', 1, 200, 'from a@200'), 'apply')
  t.equal(arrive('node-b', 1, 100, 'from b@100'), 'apply', 'an older timestamp from another node still wins: it arrived last')
  t.equal(records, 'from b@100')
  t.equal(arrive('node-a', 1, 300, 'a again, same seq'), 'duplicate', 'per node: a seq already seen is dropped')
  t.equal(records, 'from b@100')
  t.equal(arrive('node-a', 2, 10, 'from a seq 2'), 'apply')
  t.equal(records, 'from a seq 2')
  t.same(state.peer_seq, { 'node-a': 2, 'node-b': 1 })
  t.same([state.last_global_lww_unix, state.last_global_lww_node_id], [0, ''], 'no global winner tuple is kept')
})
