/**
 * global_lww: one winner across nodes. With ts = timestamp_unix (1 when <= 0) and the stored
 * winner (T, N): accept iff (T == 0 and N == ""), or ts > T, or (ts == T and node_id > N),
 * where > on node ids is a strict code-unit comparison (byte-wise for ASCII ids, as Go).
 */
import type { SyncPolicy } from './types.js'

/** The timestamp global_lww compares and stores: timestamp_unix, or 1 when it is <= 0. */
export function lwwTimestamp(timestampUnix: number): number {
  return timestampUnix > 0 ? timestampUnix : 1
}

export const globalLww: SyncPolicy = {
  name: 'global_lww',
  decide(snapshot, state) {
    const ts = lwwTimestamp(snapshot.timestamp_unix)
    const T = state.last_global_lww_unix
    const N = state.last_global_lww_node_id
    if ((T === 0 && N === '') || ts > T || (ts === T && compareBytes(snapshot.node_id, N) > 0)) return { apply: true }
    return { apply: false, reason: 'global_lww_stale' }
  },
}

/** Go's string comparison is byte-wise on UTF-8; compare the encoded bytes to match it for any id. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}
