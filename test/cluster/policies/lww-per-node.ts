import t from 'tap'
import type { PolicyState } from '../../../src/cluster/policies/index.js'
import { lwwPerNode } from '../../../src/cluster/policies/lww-per-node.js'

const base: PolicyState = { allowed_writer_node_ids: [], last_global_lww_unix: 0, last_global_lww_node_id: '' }

t.test('lww_per_node accepts everything', async (t) => {
  t.same(lwwPerNode.decide({ node_id: 'x', seq: 1, timestamp_unix: 0 }, base), { apply: true })
})
