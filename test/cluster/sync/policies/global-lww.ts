import t from 'tap'
import { globalLww } from '../../../../src/cluster/sync/policies/global-lww.js'
import type { PolicyState } from '../../../../src/cluster/sync/policies/index.js'

const base: PolicyState = { allowed_writer_node_ids: [], last_global_lww_unix: 0, last_global_lww_node_id: '' }
const snap = (node_id: string, timestamp_unix = 100) => ({ node_id, seq: 1, timestamp_unix })

t.test('global_lww follows the exact rule: first, newer, or same second with a greater node id', async (t) => {
  const cases: [number, string, number, string, boolean][] = [
    // stored T, N, incoming ts, node, apply?
    [0, '', 5, 'a', true],
    [0, '', 0, 'a', true],
    [100, 'b', 101, 'a', true],
    [100, 'b', 99, 'z', false],
    [100, 'b', 100, 'c', true],
    [100, 'b', 100, 'b', false],
    [100, 'b', 100, 'a', false],
    [1, 'b', 0, 'c', true], // ts <= 0 counts as 1
    [1, 'b', -5, 'a', false],
    [0, 'x', 1, 'a', true], // T == 0 but N set: only ts > 0 wins
    [0, 'x', 0, 'a', true], // ts 0 -> 1 > 0
  ]
  for (const [T, N, ts, node, apply] of cases) {
    const d = globalLww.decide(snap(node, ts), { ...base, last_global_lww_unix: T, last_global_lww_node_id: N })
    t.same(d, apply ? { apply: true } : { apply: false, reason: 'global_lww_stale' }, `(${T},${N}) vs (${ts},${node})`)
  }
})
