/**
 * primary_writer: apply only snapshots whose trimmed node_id is in the (trimmed) allowlist
 * cluster_allowed_writer_node_ids; an empty allowlist rejects everything.
 */
import type { SyncPolicy } from './types.js'

export const primaryWriter: SyncPolicy = {
  name: 'primary_writer',
  decide(snapshot, state) {
    const allowed = state.allowed_writer_node_ids.map((id) => id.trim()).filter((id) => id !== '')
    if (allowed.length === 0) return { apply: false, reason: 'primary_writer_no_allowlist' }
    return allowed.includes(snapshot.node_id.trim()) ? { apply: true } : { apply: false, reason: 'primary_writer_denied' }
  },
}
