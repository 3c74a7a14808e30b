/**
 * The record_lww replica bound to the record store (the I/O around replica.ts). Versions and
 * tombstones live in the store's own journal and dnsrecords.json (store/record-versions.ts,
 * replica-section.ts): a local write is versioned in the store's write queue and journaled with
 * its versions in one append; entries merged from peers are committed to the store, whose atomic
 * rewrite holds the records and their versions together. No second file, no hash checks.
 *
 * Start-up: the versions section of dnsrecords.json plus the journal payloads replayed over it are
 * the state; a record edited while the node was stopped (digest mismatch, or no version) is
 * versioned as a local write, and one deleted gets a tombstone, unless the file was lost or lost
 * more than the mass-delete guard allows: then nothing becomes a tombstone and the peers' copies
 * come back through anti-entropy. A cluster_replica.json left by an older version is read once,
 * folded in (migrate.ts) and renamed to cluster_replica.json.migrated.
 */
import type { Logger } from 'pino'
import { DnsplaneError } from '../../../errors.js'
import { isSeedContent } from '../../../store/mass-delete.js'
import type { RecordChange, RecordStore } from '../../../store/record-store.js'
import { recordKey, type DnsRecord } from '../../../store/record.js'
import type { LoadedVersions, LocalVersions, RecordVersioner, VersionedChange, VersionedDelta } from '../../../store/record-versions.js'
import type { RecordIndex } from '../../../store/record-index.js'
import { compareHlc, HlcClock } from '../lww/hlc.js'
import { entryKey, ReplicaState, type VersionedEntry } from '../lww/replica.js'
import { viewDelta } from '../lww/view-delta.js'
import { migrateReplicaFile } from './migrate.js'
import { decodePayload, decodeSection, encodeSection, encodeSectionLazily, entryJson } from './replica-section.js'

/** Adopted entries hashed per event-loop turn after start-up (a few milliseconds of CPU). */
const HASH_SLICE = 2000

export interface LwwReplicaDeps {
  store: RecordStore
  /** Path of a cluster_replica.json left by an older version (migrated once, then renamed). */
  path: string
  nodeId: string
  /** Epoch ms. */
  now: () => number
  log: Logger
}

export class LwwReplica {
  private unsubscribe: (() => void) | undefined
  private readonly localListeners = new Set<(entries: VersionedEntry[]) => void>()
  /** True when the store versions local writes through us (it has attachVersioner). */
  private attached = false
  /**
   * The record list last diffed: the sequence of the store's index (a new one on every change, see
   * store/record-seq.ts), or an array the store listed. Compared by identity, so no list is built.
   */
  private lastSeen: object | undefined
  /** Indexes of bulk loads versioned in the store's queue (their change event needs no diff). */
  private readonly versionedBulk = new WeakSet<RecordIndex>()
  /** The next slice of hashInSlices, while one is due. */
  private hashing: NodeJS.Immediate | undefined

  constructor(
    private readonly deps: LwwReplicaDeps,
    readonly state: ReplicaState,
    readonly clock: HlcClock,
  ) {}

  /**
   * Builds the replica from the store's versions (or a cluster_replica.json to migrate), attaches
   * it to the store and makes versions made at start-up durable. Throws ERR_STATE_LOAD on an
   * invalid versions section or replica file, ERR_STATE_WRITE / ERR_RECORDS_WRITE when the
   * reconciled state cannot be saved.
   */
  static async open(deps: LwwReplicaDeps): Promise<LwwReplica> {
    const log = deps.log.child({ component: 'replica' })
    const d = { ...deps, log }
    const loaded = deps.store.loadedVersions?.()
    const migrated = await migrateReplicaFile(d, loaded?.section !== undefined, (state, clock) => new LwwReplica(d, state, clock))
    const replica = migrated ?? fromStore(d, loaded)
    replica.attach()
    // Versions adopted from a file without them are derived from the records alone: a crash before
    // the background flush adopts the same again, so start-up does not wait for (or hold the memory
    // of) a rewrite of the whole file. Anything else is written before the node serves.
    const deferred = !migrated && replica.dirty && replica.adoptedOnly && deps.store.saveSoon?.() === true
    if (migrated || (replica.dirty && !deferred)) await deps.store.save()
    if (deferred) replica.dirty = false // handed to the store's background flush
    if (migrated) await migrated.finishMigration()
    replica.hashInSlices()
    log.info({ entries: replica.state.size, live: replica.state.liveCount, tombstones: replica.state.tombstoneCount }, 'replica loaded')
    return replica
  }

  /** Versions made at start-up that the store was not asked to write yet (cleared once saved or left to its background flush). */
  dirty = false
  /** Those versions are adoptions of a file without versions, plus journal payloads already durable (see open). */
  adoptedOnly = false
  /** Set by migrate.ts: renames the migrated file once the store holds its versions. */
  finishMigration: () => Promise<void> = () => Promise.resolve()

  /** Start-up: `served` (what the store serves) is versioned; only a later array needs a diff. */
  sawServed(served: readonly DnsRecord[]): void {
    this.lastSeen = served
  }

  /** Starts versioning store changes that did not come through the versioner (file edits, reloads, snapshots). */
  start(): void {
    this.unsubscribe ??= this.deps.store.onChange((change) => {
      if (change.source === 'replica') {
        this.lastSeen = change.index.seq
        return
      }
      if (change.source === 'local' && (change.kind !== 'replace' || this.versionedBulk.has(change.index))) {
        if (this.attached) this.lastSeen = change.index.seq
        else this.notify(this.versionTouched(change.kind, change.records, change.index))
        return
      }
      this.versionLocal(change.index)
    })
  }

  /** Stops reacting to store changes. The store keeps versioning local writes through us (its snapshots must hold the versions). */
  stop(): Promise<void> {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    if (this.hashing) clearImmediate(this.hashing)
    this.hashing = undefined
    return Promise.resolve()
  }

  /**
   * Resolves once every bucket hash is computed, a slice per event-loop turn: anti-entropy waits
   * here rather than letting its digest compute the rest in one turn (a million adopted entries held
   * a starting node's event loop for seconds when its peers asked for a digest at once).
   */
  async hashed(): Promise<void> {
    while (this.state.hashPending(HASH_SLICE) > 0) await new Promise<void>((r) => setImmediate(r))
  }

  /**
   * Computes the bucket hashes adoption left for later (ReplicaState.hashPending) a slice per
   * event-loop turn, so neither start-up nor the first anti-entropy digest waits for all of them at once.
   */
  hashInSlices(): void {
    if (this.hashing || this.state.hashPending(0) === 0) return
    const step = (): void => {
      this.hashing = this.state.hashPending(HASH_SLICE) > 0 ? setImmediate(step) : undefined
    }
    this.hashing = setImmediate(step)
  }

  /** New local entries (after a local write was versioned and made durable), for the push queue. */
  onLocalEntries(listener: (entries: VersionedEntry[]) => void): () => void {
    this.localListeners.add(listener)
    return () => this.localListeners.delete(listener)
  }

  /**
   * Merges entries from a peer and commits the new view to the store (records and versions in
   * one atomic rewrite). Resolves with the entries that won once written; rejects when the write
   * fails (the merge is undone; the peer keeps the batch unacknowledged and retries).
   */
  async applyRemote(entries: readonly VersionedEntry[]): Promise<VersionedEntry[]> {
    let won: VersionedEntry[] = []
    let previous = new Map<string, VersionedEntry | undefined>()
    const merge = (served: RecordIndex | readonly DnsRecord[]): VersionedEntry[] => {
      this.versionLocal(served)
      previous = new Map(entries.map((e) => [e.key, this.state.get(e.key)] as const))
      won = this.state.merge(entries, this.clock)
      return won
    }
    const store = this.deps.store
    try {
      if (store.applyDelta) {
        // Journaled with the winners' versions and indexed at the cost of the merge (view-delta.ts).
        await store.applyDelta((index) => (merge(index).length === 0 ? undefined : this.journaledDelta(index, won, previous)), 'replica')
      } else {
        await store.replaceWith((current) => (merge(current).length === 0 ? undefined : this.state.viewOrderedLike(current)), 'replica')
      }
    } catch (err) {
      if (won.length > 0) this.state.restore(previous)
      throw err
    }
    return won
  }

  /**
   * The store change of a merge and the versions journaled with it: the winners, and the entries of
   * records it stops serving that stay live (a concurrent copy now hidden), which the snapshot the
   * journal replays over would otherwise read as deleted while stopped.
   */
  private journaledDelta(index: RecordIndex, won: VersionedEntry[], previous: ReadonlyMap<string, VersionedEntry | undefined>): VersionedDelta {
    const delta = viewDelta(this.state, index, won, previous)
    const journal = won.map(entryJson)
    const winners = new Set(won.map((e) => e.key))
    for (const r of [...delta.removed, ...delta.replaced.map(([old]) => old)]) {
      const e = this.state.get(entryKey(r))
      if (e?.record && !winners.has(e.key)) journal.push(entryJson(e))
    }
    return { ...delta, lww: journal }
  }

  /** Drops tombstones older than `horizonMs` (the next snapshot of the records file leaves them out). */
  collectTombstones(horizonMs: number): Promise<number> {
    const n = this.state.collectTombstones(this.deps.now(), horizonMs)
    if (n > 0) this.deps.log.info({ dropped: n, horizon_ms: horizonMs }, 'replica: expired tombstones dropped')
    return Promise.resolve(n)
  }

  /** The store's hooks: version local writes in its queue, write the section in its snapshots. */
  private attach(): void {
    const store = this.deps.store
    if (!store.attachVersioner) return
    const versioner: RecordVersioner = {
      local: (change, index) => this.versionWrite(change, index),
      section: (records, lazily) => (lazily ? encodeSectionLazily : encodeSection)(this.state, this.deps.nodeId, this.clock.current(), records),
    }
    store.attachVersioner(versioner)
    this.attached = true
  }

  /** A local add/update/remove in the store's queue: its entries, journaled with it. */
  private versionWrite(change: VersionedChange, index: RecordIndex): LocalVersions | undefined {
    // A bulk load names its parts (deleted, updated, added): versioned part by part, journaled in its batch frame.
    const parts = change.kind === 'replace' ? (change.parts ?? []) : [change]
    const changes = parts.flatMap((p) => this.versionTouched(p.kind as 'add' | 'update' | 'remove', p.records, index))
    if (change.kind === 'replace' && change.parts) this.versionedBulk.add(index)
    if (changes.length === 0) return undefined
    return {
      journal: changes.map(entryJson),
      acknowledged: () => this.notify(changes),
      // Refused: the state ran ahead of what is served; version the difference (tombstones for what never landed).
      refused: () => this.versionLocal(this.deps.store.index),
    }
  }

  /** Versions only the touched records (the index answers "is this name+type+value still served"). */
  private versionTouched(kind: RecordChange['kind'], records: readonly DnsRecord[], index: RecordIndex): VersionedEntry[] {
    const serves = (r: DnsRecord): boolean => {
      const want = recordKey(r)
      return index.lookup(r.name, r.type).some((x) => recordKey(x) === want)
    }
    const changes = this.state.recordTouched(kind as 'add' | 'update' | 'remove', records, serves, this.clock)
    this.lastSeen = index.seq
    return changes
  }

  /** Versions what the store serves against the view (file edits, reloads, snapshots) and tells the listeners. */
  private versionLocal(served: RecordIndex | readonly DnsRecord[]): void {
    if (this.hasSeen(served)) return
    const changes = this.state.recordLocal('seq' in served ? served.records : served, this.clock)
    this.lastSeen = 'seq' in served ? served.seq : served
    this.notify(changes)
  }

  /** True when `served` is the list last diffed (by identity: an index's sequence, or the array it listed). */
  private hasSeen(served: RecordIndex | readonly DnsRecord[]): boolean {
    if (this.lastSeen === undefined) return false
    if (served === this.lastSeen) return true
    return 'seq' in served && (served.seq === this.lastSeen || served.seq.isArray(this.lastSeen))
  }

  private notify(changes: VersionedEntry[]): void {
    if (changes.length === 0) return
    for (const l of this.localListeners) {
      try {
        l(changes)
      } catch (err) {
        this.deps.log.error({ err }, 'replica listener failed')
      }
    }
  }
}

/** Journal payloads replayed over a file without a versions section. Throws ERR_STATE_LOAD when one is malformed. */
function decodeReplayed(raw: readonly unknown[]): VersionedEntry[][] {
  try {
    return raw.map(decodePayload)
  } catch (err) {
    throw new DnsplaneError('ERR_STATE_LOAD', `records journal: record_lww versions: ${(err as Error).message}`, { cause: err })
  }
}

/** The replica from the store's versions section and replayed journal payloads (see the module comment). */
function fromStore(deps: LwwReplicaDeps, loaded: LoadedVersions | undefined): LwwReplica {
  const { store, log } = deps
  const served = store.list()
  const state = new ReplicaState()
  if (loaded?.section === undefined) {
    const clock = new HlcClock(deps.nodeId, deps.now)
    // The original's demo record alone is not the cluster's data: not versioned into it.
    const adopted = isSeedContent(served) ? [] : state.recordLocal(served, 'adopt')
    // Journal payloads replayed over a file without versions (a crash before its first flush) are the
    // writes' own versions and tombstones: kept over the adoption, else an acknowledged delete comes back from peers.
    const replayed = decodeReplayed(loaded?.replayed ?? [])
    for (const p of replayed) state.replay(p)
    for (const p of replayed) for (const e of p) clock.observe(e.version)
    const replica = new LwwReplica(deps, state, clock)
    replica.dirty = adopted.length > 0 || replayed.length > 0
    replica.adoptedOnly = true
    if (!isSeedContent(served)) replica.sawServed(served)
    if (loaded?.created) log.warn('records file was missing at start; nothing becomes a tombstone, anti-entropy brings the peers\' records back')
    else log.info({ adopted: adopted.length }, 'replica created from the records file')
    return replica
  }
  let section
  const payloads: VersionedEntry[][] = []
  try {
    section = decodeSection(loaded.section, served)
    for (const p of [...section.unfolded, ...loaded.replayed]) payloads.push(decodePayload(p))
  } catch (err) {
    throw new DnsplaneError(
      'ERR_STATE_LOAD',
      `records file: "dnsplane_record_lww": ${(err as Error).message}; fix it, or remove that key to rebuild the versions from the records (they then get the lowest version, so every peer's write wins over them)`,
      { cause: err },
    )
  }
  state.replay(section.entries, true) // bucket hashes in slices after start-up (hashInSlices)
  for (const p of payloads) state.replay(p)
  const clock = new HlcClock(deps.nodeId, deps.now, section.clock)
  for (const e of state.entries()) if (compareHlc(e.version, { ...clock.current(), node: '' }) > 0) clock.observe(e.version)
  const replica = new LwwReplica(deps, state, clock)
  const changes = state.recordLocal(served, clock)
  const lost = [...section.unresolved].filter((k) => !state.get(k))
  if (lost.length > 0) {
    if (loaded.created || isSeedContent(served) || loaded.isMassDelete(lost.length, section.live)) {
      log.warn(
        { lost: lost.length, live: section.live },
        'replica: the records file lost records while the node was stopped; not replicated as deletes (peers send their copies back; delete through the API to delete everywhere)',
      )
    } else {
      for (const key of lost) changes.push(...state.merge([{ key, version: clock.tick() }]))
    }
  }
  if (changes.length > 0) log.info({ changes: changes.length }, 'replica: records file changed while stopped; versioned as local writes')
  replica.dirty = changes.length > 0
  // The state now holds what the store serves: the first merge need not diff the whole store again.
  replica.sawServed(served)
  return replica
}
