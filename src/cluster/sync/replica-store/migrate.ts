/**
 * One-time migration of cluster_replica.json (record_lww versions kept in their own file before
 * issue #12) into the records file: read once, reconciled with the records as the old start-up did
 * (by the hashes it stored), then the replica is attached to the store, the store writes the
 * versions into dnsrecords.json, and the old file is renamed to cluster_replica.json.migrated.
 */
import { rename } from 'node:fs/promises'
import type { Logger } from 'pino'
import { DnsplaneError } from '../../../errors.js'
import type { RecordStore } from '../../../store/record-store.js'
import { HlcClock } from '../lww/hlc.js'
import { recordSetHash, ReplicaState } from '../lww/replica.js'
import { loadReplicaFile } from './replica-file.js'

/** Suffix the migrated file is renamed with. */
export const MIGRATED_SUFFIX = '.migrated'

interface MigrationDeps {
  store: RecordStore
  path: string
  nodeId: string
  now: () => number
  log: Logger
}

/** What migrate builds the replica with (LwwReplica's constructor, passed in to keep the import one-way). */
export interface Migrated {
  finishMigration: () => Promise<void>
}

/**
 * Reads the cluster_replica.json at `deps.path` when there is one. When the records file already
 * holds versions (`storeHasVersions`: an earlier migration whose rename did not happen) the old
 * file is only renamed. Returns the replica built from it, or undefined when there is nothing to
 * migrate. Throws ERR_STATE_LOAD for an invalid file (never renamed).
 */
export async function migrateReplicaFile<R extends Migrated>(
  deps: MigrationDeps,
  storeHasVersions: boolean,
  make: (state: ReplicaState, clock: HlcClock) => R,
): Promise<R | undefined> {
  const file = await loadReplicaFile(deps.path)
  if (!file) return undefined
  const { store, log } = deps
  if (storeHasVersions) {
    await renameMigrated(deps.path, log, 'records file already holds the versions; the old replica file was not read')
    return undefined
  }
  if (file.clock_reset) log.warn({ path: deps.path, reason: file.clock_reset }, 'replica: stored clock invalid; rebuilt from the stored versions')
  const state = new ReplicaState(file.entries)
  const clock = new HlcClock(deps.nodeId, deps.now, file.clock)
  const served = store.list()
  const hash = recordSetHash(served)
  if (hash === file.records_hash) {
    // The records file matches the replica.
  } else if (hash === file.records_hash_before) {
    // Stopped between saving merged peer writes and writing dnsrecords.json: finish that write.
    await store.replaceWith((current) => state.viewOrderedLike(current), 'replica')
    log.warn({ path: deps.path }, 'replica: finished applying peer writes interrupted by a stop')
  } else if ((await store.reconcileAtStart(state.viewOrderedLike(served))) === 'accepted') {
    const changes = state.recordLocal(served, clock)
    log.info({ changes: changes.length }, 'replica: records file changed while stopped; versioned as local writes')
  }
  const replica = make(state, clock)
  replica.finishMigration = () => renameMigrated(deps.path, log, 'cluster_replica.json migrated into the records file')
  return replica
}

async function renameMigrated(path: string, log: Logger, message: string): Promise<void> {
  try {
    await rename(path, path + MIGRATED_SUFFIX)
  } catch (cause) {
    throw new DnsplaneError('ERR_STATE_WRITE', `cannot rename ${path} to ${path}${MIGRATED_SUFFIX}: ${(cause as Error).message}`, { cause })
  }
  log.warn({ path, renamed_to: path + MIGRATED_SUFFIX }, message)
}
