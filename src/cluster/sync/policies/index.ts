/** Maps the cluster_sync_policy config literal to its policy module. Pure. */
import { globalLww } from './global-lww.js'
import { lwwPerNode } from './lww-per-node.js'
import { primaryWriter } from './primary-writer.js'
import { recordLww } from './record-lww.js'
import type { PolicyName, SyncPolicy } from './types.js'

export type { PolicyDecision, PolicyName, PolicyState, RejectReason, SnapshotMeta, SyncPolicy } from './types.js'

const POLICIES: Record<PolicyName, SyncPolicy> = {
  lww_per_node: lwwPerNode,
  primary_writer: primaryWriter,
  global_lww: globalLww,
  record_lww: recordLww,
}

/** Normalises a config value (trim, lower-case); "", unknown or absent -> 'lww_per_node'. */
export function normalizePolicyName(value: string | undefined): PolicyName {
  const v = (value ?? '').trim().toLowerCase()
  return Object.hasOwn(POLICIES, v) ? (v as PolicyName) : 'lww_per_node'
}

/** The policy for a config value (see normalizePolicyName). */
export function policyFor(value: string | undefined): SyncPolicy {
  return POLICIES[normalizePolicyName(value)]
}
