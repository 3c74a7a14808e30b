/** Picks the sync engine for cluster_sync_policy: record_lww gets the LwwEngine over the replica file, every other policy the snapshot engine. */
import type { Logger } from 'pino'
import type { RecordStore } from '../../store/record-store.js'
import type { EngineContext, SyncEngine } from './engine.js'
import { LwwEngine } from './lww-engine.js'
import { normalizePolicyName } from './policies/index.js'
import { LwwReplica } from './replica-store/lww-replica.js'
import { SnapshotEngine } from './snapshot-engine.js'

export interface ReplicaFileOptions {
  store: RecordStore
  /** cluster_state.json; the replica file sits beside it unless `replicaPath` is set. */
  statePath: string
  replicaPath?: string
  now: () => number
  log: Logger
}

/** The engine for `policy` (normalised as normalizePolicyName). */
export function createEngine(policy: string | undefined, cx: EngineContext, replica: ReplicaFileOptions): SyncEngine {
  if (normalizePolicyName(policy) !== 'record_lww') return new SnapshotEngine(cx)
  const path = replica.replicaPath ?? replica.statePath.replace(/cluster_state\.json$/, 'cluster_replica.json')
  // cluster_replica.json of an older version is only read once, to migrate it (replica-store/migrate.ts).
  return new LwwEngine(cx, () => LwwReplica.open({ store: replica.store, path, nodeId: cx.state.nodeId, now: replica.now, log: replica.log }))
}
