/**
 * Which cluster_* settings an admin_config_apply changes (spec §6), as a value. Pure: the token
 * check and persisting the patch belong to admin.ts.
 */
import { clusterToken, clusterTokenProblem } from '../config/cluster-token.js'
import type { ClusterSettings } from './settings.js'
import type { AdminConfigApplyMessage } from './wire/messages.js'

export type AdminPatch = { ok: true; patch: Partial<ClusterSettings> } | { ok: false; message: string }

/** The cluster_admin_token as configured, trimmed; '' = remote admin off. */
export function adminToken(settings: Pick<ClusterSettings, 'cluster_admin_token'>): string {
  return (settings.cluster_admin_token ?? '').trim()
}

/**
 * The settings patch for an admin message: only the keys it carries; a new cluster_auth_token is
 * checked like the config file's (refused with the problem named); a negative interval becomes 0.
 */
export function adminPatch(msg: AdminConfigApplyMessage): AdminPatch {
  const patch: Partial<ClusterSettings> = {}
  if (msg.cluster_auth_token) {
    const problem = clusterTokenProblem(msg.cluster_auth_token)
    if (problem) return { ok: false, message: `cluster_auth_token: ${problem}` }
    patch.cluster_auth_token = clusterToken(msg.cluster_auth_token)
  }
  if (msg.cluster_peers) patch.cluster_peers = [...msg.cluster_peers]
  if (msg.cluster_replica_only !== undefined) patch.cluster_replica_only = msg.cluster_replica_only
  if (msg.cluster_reject_local_writes !== undefined) patch.cluster_reject_local_writes = msg.cluster_reject_local_writes
  if (msg.cluster_admin !== undefined) patch.cluster_admin = msg.cluster_admin
  if (msg.cluster_sync_interval_seconds !== undefined) patch.cluster_sync_interval_seconds = Math.max(0, msg.cluster_sync_interval_seconds)
  return { ok: true, patch }
}
