/**
 * The record_lww replica bound to the record store and cluster_replica.json (the I/O around
 * replica.ts). Local writes of any kind (API, TUI, file edit, reload, a Go peer's snapshot)
 * become versioned entries by diffing the store against the view; entries merged from peers are
 * saved here first, then the resulting view is committed to the store inside its write queue.
 *
 * Crash safety, by the hashes in the file (see open()): the file is saved before dnsrecords.json
 * when peer writes are applied, and after it for local writes, so at start-up either the records
 * file matches the replica, or it is the pre-apply file (finish the apply), or it holds local
 * edits the replica has not seen (version them now). A records file that is missing or holds only
 * seed content beside a replica with live records is rebuilt from the replica, and one that would
 * delete too much is held back (FileRecordStore.reconcileAtStart): neither becomes tombstones.
 */
import type { Logger } from 'pino'
import type { RecordChange, RecordStore } from '../../../store/record-store.js'
import { recordKey, type DnsRecord } from '../../../store/record.js'
import { HlcClock } from '../lww/hlc.js'
import { entryKey, recordSetHash, ReplicaState, updateRecordSetHash, type VersionedEntry } from '../lww/replica.js'
import { loadReplicaFile, saveReplicaFile } from './replica-file.js'

export interface LwwReplicaDeps {
  store: RecordStore
  /** Path of cluster_replica.json. */
  path: string
  nodeId: string
  /** Epoch ms. */
  now: () => number
  log: Logger
}

export class LwwReplica {
  readonly state: ReplicaState
  readonly clock: HlcClock
  private recordsHash = ''
  private recordsHashBefore = ''
  private unsubscribe: (() => void) | undefined
  private readonly localListeners = new Set<(entries: VersionedEntry[]) => void>()
  private saveChain: Promise<void> = Promise.resolve()
  private saveQueued: Promise<void> | undefined
  /** Set when a merge won but the store commit failed: the next apply rewrites the store even without winners. */
  private storeBehind = false
  /**
   * The record array last diffed (or committed by us) and its hash: the store swaps in a new frozen
   * array on every change, so an identical array needs no diff and no re-hash (O(n) each).
   */
  private lastSeen: readonly DnsRecord[] | undefined
  private lastSeenHash = ''

  private constructor(private readonly deps: LwwReplicaDeps, state: ReplicaState, clock: HlcClock) {
    this.state = state
    this.clock = clock
  }

  /**
   * Loads cluster_replica.json and reconciles it with the store (see the module comment). A
   * missing file adopts the store's records at the lowest version. Throws ERR_STATE_LOAD on an
   * invalid file, ERR_STATE_WRITE when the reconciled state cannot be saved.
   */
  static async open(deps: LwwReplicaDeps): Promise<LwwReplica> {
    const file = await loadReplicaFile(deps.path)
    const log = deps.log.child({ component: 'replica' })
    if (file?.clock_reset) log.warn({ path: deps.path, reason: file.clock_reset }, 'replica: stored clock invalid; rebuilt from the stored versions')
    const state = new ReplicaState(file?.entries ?? [])
    const clock = new HlcClock(deps.nodeId, deps.now, file?.clock)
    const replica = new LwwReplica({ ...deps, log }, state, clock)
    const served = deps.store.list()
    const hash = recordSetHash(served)
    if (!file) {
      const adopted = state.recordLocal(served, 'adopt')
      log.info({ path: deps.path, adopted: adopted.length }, 'replica created from the records file')
      await replica.saveNow(hash, hash)
    } else if (hash === file.records_hash) {
      replica.recordsHash = replica.recordsHashBefore = hash
    } else if (hash === file.records_hash_before) {
      // Stopped between saving merged peer writes and writing dnsrecords.json: finish that write.
      replica.recordsHash = replica.recordsHashBefore = hash
      await deps.store.replaceWith((current) => state.viewOrderedLike(current), 'replica')
      replica.recordsHash = replica.recordsHashBefore = recordSetHash(deps.store.list())
      log.warn({ path: deps.path }, 'replica: finished applying peer writes interrupted by a stop')
      await replica.saveNow(replica.recordsHash, replica.recordsHash)
    } else if ((await deps.store.reconcileAtStart(state.viewOrderedLike(served))) !== 'accepted') {
      // The file was lost (rebuilt from the view) or would delete too much (held back): the store
      // now serves the view, so nothing is versioned and no tombstone reaches a peer.
      replica.recordsHash = replica.recordsHashBefore = recordSetHash(deps.store.list())
      await replica.saveNow(replica.recordsHash, replica.recordsHash)
    } else {
      const changes = state.recordLocal(served, clock)
      log.info({ changes: changes.length }, 'replica: records file changed while stopped; versioned as local writes')
      await replica.saveNow(hash, hash)
    }
    log.info({ entries: state.size, live: state.liveCount, tombstones: state.tombstoneCount }, 'replica loaded')
    return replica
  }

  /** Starts versioning store changes (every source but our own applies). */
  start(): void {
    this.unsubscribe ??= this.deps.store.onChange((change) => {
      if (change.source === 'replica') {
        this.lastSeen = change.index.records
        this.lastSeenHash = this.recordsHash
        return
      }
      if (change.source === 'local' && change.kind !== 'replace') this.versionTouched(change)
      else this.versionLocal(change.index.records)
    })
  }

  stop(): Promise<void> {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    return this.saveChain
  }

  /** New local entries (after a local write was versioned), for the push queue. */
  onLocalEntries(listener: (entries: VersionedEntry[]) => void): () => void {
    this.localListeners.add(listener)
    return () => this.localListeners.delete(listener)
  }

  /**
   * Merges entries from a peer and commits the new view to the store. Resolves with the entries
   * that won once both cluster_replica.json and dnsrecords.json are written; rejects when either
   * write fails (the peer keeps the batch unacknowledged and retries).
   */
  async applyRemote(entries: readonly VersionedEntry[]): Promise<VersionedEntry[]> {
    let won: VersionedEntry[] = []
    await this.deps.store.replaceWith(async (current) => {
      this.versionLocal(current)
      won = this.state.merge(entries, this.clock)
      if (won.length === 0 && !this.storeBehind) return undefined
      const next = this.state.viewOrderedLike(current)
      this.storeBehind = true
      await this.saveNow(recordSetHash(next), this.hashOf(current))
      return next
    }, 'replica')
    this.storeBehind = false
    if (won.length > 0) this.recordsHashBefore = this.recordsHash
    return won
  }

  /** Drops tombstones older than `horizonMs`; saves when any was dropped. */
  async collectTombstones(horizonMs: number): Promise<number> {
    const n = this.state.collectTombstones(this.deps.now(), horizonMs)
    if (n > 0) {
      this.deps.log.info({ dropped: n, horizon_ms: horizonMs }, 'replica: expired tombstones dropped')
      await this.saveSoon()
    }
    return n
  }

  /** Versions what the store serves against the view; notifies listeners and schedules a save. */
  private versionLocal(served: readonly DnsRecord[]): void {
    if (served === this.lastSeen) return
    const changes = this.state.recordLocal(served, this.clock)
    this.lastSeen = served
    this.lastSeenHash = ''
    if (changes.length === 0) return
    this.hashOf(served)
    this.afterLocal(changes)
  }

  /** Saves (soon) with the hash of the set now served, and hands new entries to the listeners. */
  private afterLocal(changes: VersionedEntry[]): void {
    if (changes.length === 0) return
    this.recordsHash = this.recordsHashBefore = this.lastSeenHash
    void this.saveSoon().catch((err) => this.deps.log.error({ err }, 'replica save failed'))
    for (const l of this.localListeners) {
      try {
        l(changes)
      } catch (err) {
        this.deps.log.error({ err }, 'replica listener failed')
      }
    }
  }

  /**
   * A local add/update/remove: versions only the touched records (the store's index answers
   * "is this name+type+value still served"), and updates the set hash incrementally.
   */
  private versionTouched(change: RecordChange): void {
    const served = change.index.records
    if (this.lastSeen === undefined || served === this.lastSeen) return this.versionLocal(served)
    const idx = change.index
    const serves = (r: DnsRecord): boolean => {
      const want = recordKey(r)
      return idx.lookup(r.name, r.type).some((x) => recordKey(x) === want)
    }
    const kind = change.kind as 'add' | 'update' | 'remove'
    const before = new Map<string, DnsRecord>()
    for (const r of change.records) {
      const cur = this.state.get(entryKey(r))?.record
      if (cur) before.set(entryKey(r), cur)
    }
    const changes = this.state.recordTouched(kind, change.records, serves, this.clock)
    const previousHash = this.lastSeenHash || this.recordsHash
    this.lastSeen = served
    this.lastSeenHash = kind === 'remove'
      ? updateRecordSetHash(previousHash, change.records, [])
      : updateRecordSetHash(previousHash, kind === 'update' ? [...before.values()] : [], change.records)
    this.afterLocal(changes)
  }

  /** recordSetHash of `records`, reusing the last one computed for the same array. */
  private hashOf(records: readonly DnsRecord[]): string {
    if (records === this.lastSeen && this.lastSeenHash) return this.lastSeenHash
    const h = recordSetHash(records)
    if (records === this.lastSeen) this.lastSeenHash = h
    return h
  }

  /** Saves the state as it is when the save runs; concurrent requests share one queued save. */
  private saveSoon(): Promise<void> {
    if (this.saveQueued) return this.saveQueued
    const run = () => {
      this.saveQueued = undefined
      return this.write()
    }
    const p = this.saveChain.then(run, run)
    this.saveQueued = p
    this.saveChain = p.catch(() => undefined)
    return p
  }

  private saveNow(hash: string, before: string): Promise<void> {
    this.recordsHash = hash
    this.recordsHashBefore = before
    const run = () => this.write()
    const p = this.saveChain.then(run, run)
    this.saveChain = p.catch(() => undefined)
    return p
  }

  private write(): Promise<void> {
    return saveReplicaFile(this.deps.path, {
      node_id: this.deps.nodeId,
      clock: this.clock.current(),
      records_hash: this.recordsHash,
      records_hash_before: this.recordsHashBefore,
      entries: this.state.entries(),
    })
  }
}
