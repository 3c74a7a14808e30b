import t from 'tap'
import type { PolicyState } from '../../../../src/cluster/sync/policies/index.js'
import { primaryWriter } from '../../../../src/cluster/sync/policies/primary-writer.js'

const base: PolicyState = { allowed_writer_node_ids: [], last_global_lww_unix: 0, last_global_lww_node_id: '' }
const snap = (node_id: string, timestamp_unix = 100) => ({ node_id, seq: 1, timestamp_unix })

t.test('primary_writer accepts only allowlisted node ids (trimmed) and rejects all with an empty list', async (t) => {
  const cases: [string[], string, unknown][] = [
    [[], 'a', { apply: false, reason: 'primary_writer_no_allowlist' }],
    [['  '], 'a', { apply: false, reason: 'primary_writer_no_allowlist' }],
    [['a'], 'a', { apply: true }],
    [[' a '], ' a', { apply: true }],
    [['a'], 'b', { apply: false, reason: 'primary_writer_denied' }],
    [['a', 'b'], 'b', { apply: true }],
    [['A'], 'a', { apply: false, reason: 'primary_writer_denied' }],
  ]
  for (const [allow, node, want] of cases) {
    t.same(primaryWriter.decide(snap(node), { ...base, allowed_writer_node_ids: allow }), want, `${JSON.stringify(allow)} ${node}`)
  }
})
