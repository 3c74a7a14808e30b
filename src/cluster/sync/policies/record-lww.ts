/**
 * record_lww (ours) is its own engine (../lww-engine.ts: versions, deltas, anti-entropy). This is
 * only its rule for a records_full from a peer without record_lww (a Go node, or ours under
 * another policy), applied by the engine's inner snapshot engine: accepted like lww_per_node; its
 * difference to the local set is then versioned as a local write, so it reaches record_lww peers too.
 */
import type { SyncPolicy } from './types.js'

export const recordLww: SyncPolicy = {
  name: 'record_lww',
  decide: () => ({ apply: true }),
}
