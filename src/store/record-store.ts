/**
 * The contract every consumer of local records uses (DNS server, API, TUI via API, cluster).
 * Implemented by file-store.ts. The daemon constructs one and hands it to the services.
 */
import type { DnsRecord } from './record.js'
import type { RecordIndex } from './record-index.js'
import type { MassDeleteInfo } from './mass-delete.js'
import type { WriteEntry } from './journal/codec.js'
import type { ValidRecordInput } from './record-validate.js'
import type { DeltaCompute, LoadedVersions, RecordVersioner } from './record-versions.js'

/**
 * Where a change came from: cluster push-on-change fires only for 'local'; 'replica' is the
 * record_lww replica applying merged peer writes (never replicated back as a local change).
 */
export type ChangeSource = 'local' | 'cluster' | 'file' | 'reload' | 'replica'

/** Computes the next record set from the current one inside the write queue; undefined = no change. */
export type RecordSetTransform = (
  current: readonly DnsRecord[],
) => Promise<readonly DnsRecord[] | undefined> | readonly DnsRecord[] | undefined

export interface RecordChange {
  source: ChangeSource
  /** The records added/updated/removed; for 'replace' the whole new set. */
  kind: 'add' | 'update' | 'remove' | 'replace'
  records: readonly DnsRecord[]
  /** The index now serving (already swapped in when the event fires). */
  index: RecordIndex
}

/** Input for add/update from API/TUI: id optional, ttl optional (defaults to 3600 on add). */
export interface RecordInput {
  id?: string
  name: string
  type: string
  value: string
  ttl?: number
}

/** Selector for remove: by id, or by name with optional type and value. */
export type RecordSelector = { id: string } | { name: string; type?: string; value?: string }

export interface WriteResult {
  /** Records touched by the write, as stored. */
  records: DnsRecord[]
  /** Human-readable warnings (e.g. "duplicate record"), as the original's `messages`. */
  messages: string[]
}

/** Outcome of confirming or discarding a held-back mass delete. */
export interface MassDeleteResult {
  /** Records deleted (0 on discard). */
  removed: number
  /** Records served afterwards. */
  records: number
}

/** record_lww start-up: the records file stands, was rebuilt from the replica, or was held back as a mass delete. */
export type StartReconcile = 'accepted' | 'rebuilt' | 'held'

/** What a bulk plan gets besides the records: a new record for an input, now as a Go time, the mass-delete guard. */
export interface BulkContext {
  newRecord: (v: ValidRecordInput) => DnsRecord
  stamp: string
  guardPercent: number
}

/** A computed write: without `next` nothing changes. local-edits.ts (LocalPlan) and bulk-plan.ts build them. */
export type WritePlan =
  | { next?: undefined; result: WriteResult }
  | { next: DnsRecord[]; change: Omit<RecordChange, 'index'>; entry: WriteEntry; result: WriteResult }

/** Plans a bulk write (see store/bulk-plan.ts); throws to refuse it. */
export type BulkCompute = (records: readonly DnsRecord[], ctx: BulkContext) => WritePlan

/** The store a node runs on: the contract plus the factory of new records (RFC 2136 updates); read-only sources refuse it. */
export type NodeRecordStore = RecordStore & { newRecord(v: ValidRecordInput): DnsRecord }

/** The records journal against dnsrecords.json (docs/storage.md, "What an operator sees"). */
export interface FlushState {
  /** Journal mode: changes are acknowledged from the journal and the file follows in the background. */
  journaled: boolean
  /** Acknowledged changes not in the file yet. */
  unflushed: boolean
  /** The delay the pending background flush was scheduled with (ms; paced for a large file), or null. */
  next_flush_delay_ms: number | null
  /** How long the last background flush took (ms), or null before the first. */
  last_flush_ms: number | null
}

export interface RecordStore {
  /** The index serving right now; swapped atomically on every change (never mutated in place). */
  readonly index: RecordIndex
  /** All records in file order. */
  list(): readonly DnsRecord[]
  /** Validates, assigns a UUID v4 if missing, persists atomically, then emits 'change' (source 'local'). */
  add(input: RecordInput): Promise<WriteResult>
  /** With id: replace that record's name/type/value/ttl. Without: upsert on name+type+value. */
  update(input: RecordInput): Promise<WriteResult>
  /** Throws ERR_RECORD_NOT_FOUND when nothing matches. */
  remove(selector: RecordSelector): Promise<WriteResult>
  /** Replace the whole set (cluster apply); persists, emits 'change' with the given source. */
  replaceAll(records: readonly DnsRecord[], source: ChangeSource): Promise<void>
  /**
   * Runs `compute` in the write queue with the records served now and commits its result (no other
   * write lands in between). Resolves true when something was committed.
   */
  replaceWith(compute: RecordSetTransform, source: ChangeSource): Promise<boolean>
  /** Re-read the file; a parse error keeps the old records and throws ERR_RECORDS_PARSE. */
  reload(): Promise<number>
  /** Persist the current set as is (TUI `record save`). */
  save(): Promise<void>
  /**
   * record_lww start-up when the file differs from the replica's view `known`: rebuild a lost or
   * seed-only file from `known`, hold back a mass delete, or accept the file (see FileRecordStore).
   */
  reconcileAtStart(known: readonly DnsRecord[]): Promise<StartReconcile>
  /** The change the mass-delete guard holds back (file edit, reload, start-up), if any. */
  heldMassDelete(): MassDeleteInfo | undefined
  /** Applies the held-back change; ERR_NOT_FOUND when nothing is held. */
  confirmMassDelete(): Promise<MassDeleteResult>
  /** Drops the held-back change; ERR_NOT_FOUND when nothing is held. */
  discardMassDelete(): Promise<MassDeleteResult>
  /**
   * Writes journaled changes to the records file now (POST /api/v1/records/flush); absent on a
   * store without a journal. Resolves with whether anything was written and the record count.
   */
  flush?(): Promise<{ flushed: boolean; records: number }>
  /** Where the journal stands against the records file (GET /api/v1/status); absent on a store without a journal. */
  flushState?(): FlushState
  /**
   * Bulk load (POST /api/v1/records/bulk, store/bulk-plan.ts): `compute` plans the whole batch from
   * the newest records in the write queue; committed like a single write (journal or file) as one
   * entry and one 'replace' change. Absent on a read-only records source.
   */
  bulkWrite?(compute: BulkCompute): Promise<WriteResult>
  /**
   * record_lww merges from peers: `compute` runs in the write queue on the index served now and
   * returns the change with its versions; journaled and indexed at the cost of the change (a store
   * without a journal rewrites the file). Resolves true when something was written. Absent on a
   * store without a journal (the replica then uses replaceWith).
   */
  applyDelta?(compute: DeltaCompute, source: ChangeSource): Promise<boolean>
  /** record_lww start-up: the versions the records file and its journal held (store/record-versions.ts); absent on a store without them. */
  loadedVersions?(): LoadedVersions | undefined
  /** Versions local writes through `v` and writes its section in every snapshot; absent on a store without a journal. */
  attachVersioner?(v: RecordVersioner | undefined): void
  /**
   * Leaves the rewrite of the file from what is served (with the versions section) to the background
   * flush, within records_flush_delay_ms. False when the store has no journal (the caller saves).
   */
  saveSoon?(): boolean
  onChange(listener: (change: RecordChange) => void): () => void
  /** Start/stop watching the file for external edits. */
  start(): Promise<void>
  stop(): Promise<void>
}
