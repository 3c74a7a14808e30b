/**
 * record_lww (ours): per-record versions merged by the replica (replica.ts); deltas and
 * anti-entropy with peers that announce the capability. A records_full from a peer without it
 * (a Go node, or ours under another policy) is accepted like lww_per_node: its difference to the
 * local set is then versioned as a local write, so it reaches record_lww peers too.
 */
import type { SyncPolicy } from './types.js'

export const recordLww: SyncPolicy = {
  name: 'record_lww',
  decide: () => ({ apply: true }),
}
