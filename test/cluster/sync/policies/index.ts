import t from 'tap'
import { normalizePolicyName, policyFor } from '../../../../src/cluster/sync/policies/index.js'

t.test('normalises the policy name and falls back to lww_per_node', async (t) => {
  const cases: [string | undefined, string][] = [
    [undefined, 'lww_per_node'],
    ['', 'lww_per_node'],
    [' Global_LWW ', 'global_lww'],
    ['PRIMARY_WRITER', 'primary_writer'],
    ['raft', 'lww_per_node'],
    ['toString', 'lww_per_node'],
  ]
  for (const [input, want] of cases) {
    t.equal(normalizePolicyName(input), want, String(input))
    t.equal(policyFor(input).name, want)
  }
})
