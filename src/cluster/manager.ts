/**
 * The cluster's public names as the daemon, the API and the tests know them. The node itself is
 * node.ts (wiring) with its rooms in transport/, session/, peers/, sync/ and admin.ts.
 */
export { ClusterNode as ClusterManager } from './node.js'
export type { ClusterDeps } from './deps.js'
export type { AuthFailureReason, ClusterEvent, SnapshotOutcome, SnapshotVia } from './events.js'
export type { ClusterLimits, ClusterSettings } from './settings.js'
export { mapBounded } from './tasks.js'
