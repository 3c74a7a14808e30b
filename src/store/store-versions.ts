/**
 * The FileRecordStore's record_lww plumbing (record-versions.ts): what start-up found (the file's
 * versions section, the journal payloads replayed over it), the attached versioner, the section
 * each snapshot carries and the versions of a local write. The store owns one.
 */
import type { WriteEntry } from './journal/codec.js'
import type { RecordIndex } from './record-index.js'
import type { DnsRecord } from './record.js'
import { passThroughSection, splitCarriedPayloads, versionedChange, type LoadedVersions, type LocalVersions, type RecordVersioner, type VersionedChange } from './record-versions.js'

export class StoreVersions {
  /** record_lww: keeps versions in the journal and the snapshot once attached. */
  private versioner: RecordVersioner | undefined
  /** The versions found at start-up (the file's section, replayed journal payloads). */
  private loaded: LoadedVersions | undefined
  /** Payloads the file's section carried without a section of its own (see splitCarriedPayloads). */
  private carried: unknown[] = []

  constructor(private readonly isMassDelete: (deleted: number, total: number) => boolean) {}

  /** Start-up: the file's section (undefined: none, or `created` when the file was just made). */
  load(raw: unknown, created: boolean): void {
    // A file written at a start-up over a file without versions carries the replayed payloads alone (passThroughSection).
    const { section, carried } = splitCarriedPayloads(raw)
    this.carried = carried
    this.loaded = { section, replayed: carried, created: section === undefined && created, isMassDelete: this.isMassDelete }
  }

  /** Start-up: the `lww` payloads of the journal entries replayed over the file (after those the file carried). */
  replayed(versions: unknown[]): void {
    if (this.loaded) this.loaded.replayed = [...this.carried, ...versions]
  }

  /** See FileRecordStore.loadedVersions; `records` are served now. */
  found(records: readonly DnsRecord[]): LoadedVersions | undefined {
    // A versioner attached earlier in this process (the cluster restarted): its state is the newest.
    if (this.versioner && this.loaded) return { ...this.loaded, section: this.versioner.section(records), replayed: [], created: false }
    return this.loaded
  }

  attach(v: RecordVersioner | undefined): void {
    this.versioner = v
  }

  /** The section a snapshot holding `records` carries (written in slices: see RecordVersioner.section). */
  section(records: readonly DnsRecord[]): unknown {
    return this.versioner ? this.versioner.section(records, true) : passThroughSection(this.loaded)
  }

  /** The versions of a local write (`entry`: what it journals; a batch is versioned part by part), made before it is journaled or written. */
  local(change: VersionedChange, entry: WriteEntry | undefined, index: RecordIndex): LocalVersions | undefined {
    return this.versioner?.local(versionedChange(change, entry), index)
  }
}
