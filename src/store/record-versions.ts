/**
 * The seam between the record store and a versioning layer (record_lww, cluster/sync/replica-store/):
 * versions and tombstones live in the store's own journal and snapshot, so one append makes a
 * change and its version durable together, and one atomic rewrite of dnsrecords.json holds both.
 * The store treats what the versioner hands it as opaque JSON (docs/storage.md).
 */
import type { RecordDelta } from './index-delta.js'
import type { WriteEntry } from './journal/codec.js'
import type { RecordIndex } from './record-index.js'
import type { DnsRecord } from './record.js'

/**
 * The top-level key of dnsrecords.json that holds the versions. The original reads the file with
 * encoding/json, which ignores keys its struct does not name, so the file stays the original's.
 */
export const VERSIONS_KEY = 'dnsplane_record_lww'
/** Inside the section: journal payloads replayed at start-up before a versioner folded them in. */
export const UNFOLDED_KEY = 'journal'

/** A local write as the versioner sees it (RecordChange without the index; declared here to keep record-store.ts free of a cycle). */
export interface VersionedChange {
  kind: 'add' | 'update' | 'remove' | 'replace'
  records: readonly DnsRecord[]
  /** A bulk load ('replace'): the records it deleted, updated and added, in that order (its journal batch). */
  parts?: readonly VersionedPart[]
}

/** One step of a batch: the records a delete/update/add of the batch touched (new form for an update). */
export interface VersionedPart {
  kind: 'add' | 'update' | 'remove'
  records: readonly DnsRecord[]
}

/** The versions of one local write, made in the write queue before it is journaled or written. */
export interface LocalVersions {
  /** Journaled with the change (JSON). */
  journal: unknown
  /** The change is durable and served. */
  acknowledged(): void
  /** The change was refused (not durable, not served). */
  refused(): void
}

export interface RecordVersioner {
  /** A local add/update/remove about to be made; `index` is the index with it applied. */
  local(change: VersionedChange, index: RecordIndex): LocalVersions | undefined
  /**
   * The section (JSON) to write beside `records` in a snapshot of dnsrecords.json. `lazily`: for a snapshot
   * written in slices (its large arrays may be records-file.ts JsonRows, made as they are written).
   */
  section(records: readonly DnsRecord[], lazily?: boolean): unknown
}

/**
 * A change merged from peers (record_lww): the served records it removes, replaces and adds, and
 * the versions (JSON) journaled beside it, so the records and their versions are durable together.
 */
export type VersionedDelta = RecordDelta & { lww: unknown }

/** Computes a merged change from the index served now, in the store's write queue; undefined = nothing to write. */
export type DeltaCompute = (index: RecordIndex) => VersionedDelta | undefined

/** What the store found at start-up for the versioner. */
export interface LoadedVersions {
  /** The section of the file as loaded (undefined when the file had none or was created). */
  section: unknown
  /** Payloads of the journal entries replayed over the file, oldest first. */
  replayed: unknown[]
  /** True when the records file did not exist and was created. */
  created: boolean
  /** The mass-delete guard's verdict on deleting `deleted` of `total` records. */
  isMassDelete(deleted: number, total: number): boolean
}

/**
 * The section to write while no versioner is attached (start-up, or a node not under record_lww):
 * the loaded one, with replayed journal payloads kept under UNFOLDED_KEY so a rewrite drops none.
 */
/**
 * A loaded section that is only passThroughSection's carrier over a file that had no section (no
 * `format`, nothing but UNFOLDED_KEY): no section, with those payloads to replay first. Anything else
 * is returned as the section (the replica decodes and validates it).
 */
export function splitCarriedPayloads(section: unknown): { section: unknown; carried: unknown[] } {
  if (typeof section !== 'object' || section === null || Array.isArray(section)) return { section, carried: [] }
  const o = section as Record<string, unknown>
  const keys = Object.keys(o)
  if (keys.length === 1 && keys[0] === UNFOLDED_KEY && Array.isArray(o[UNFOLDED_KEY])) return { section: undefined, carried: o[UNFOLDED_KEY] as unknown[] }
  return { section, carried: [] }
}

export function passThroughSection(loaded: LoadedVersions | undefined): unknown {
  if (!loaded || loaded.replayed.length === 0) return loaded?.section
  const base = typeof loaded.section === 'object' && loaded.section !== null && !Array.isArray(loaded.section) ? (loaded.section as Record<string, unknown>) : {}
  const before = Array.isArray(base[UNFOLDED_KEY]) ? (base[UNFOLDED_KEY] as unknown[]) : []
  return { ...base, [UNFOLDED_KEY]: [...before, ...loaded.replayed] }
}

/** The change a local write hands the versioner: a batch names its parts, so it is versioned at the cost of the batch. */
export function versionedChange(change: VersionedChange, entry: WriteEntry | undefined): VersionedChange {
  if (entry?.op !== 'batch') return change
  const parts = entry.entries.map((e): VersionedPart => ({ kind: e.op === 'delete' ? 'remove' : e.op, records: e.records }))
  return { ...change, parts }
}
