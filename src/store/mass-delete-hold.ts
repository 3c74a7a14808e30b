/**
 * The change the mass-delete guard (mass-delete.ts) holds back in a FileRecordStore: at most one,
 * in memory, with the log lines that say so.
 */
import type { Logger } from 'pino'
import { DnsplaneError } from '../errors.js'
import {
  DEFAULT_MASS_DELETE_GUARD_PERCENT,
  deletedRecords,
  describeMassDelete,
  heldMassDeleteMessage,
  isMassDelete,
  type HeldMassDelete,
  type MassDeleteInfo,
  type MassDeleteSource,
} from './mass-delete.js'
import type { DnsRecord } from './record.js'

export interface MassDeleteHoldOptions {
  /** The records file, for log lines. */
  path: string
  log: Logger
  now: () => Date
  /** `records_mass_delete_guard_percent`, read at each check; default 50. */
  percent?: () => number
}

export class MassDeleteHold {
  private held: HeldMassDelete | undefined

  constructor(private readonly o: MassDeleteHoldOptions) {}

  /** The held change, if any. */
  get info(): MassDeleteInfo | undefined {
    return this.held?.info
  }

  /** The records `proposed` would delete from `base` when the guard holds that back, else undefined. */
  /** True when deleting `deleted` of `total` records is a mass delete under the guard. */
  deletedCount(deleted: number, total: number): boolean {
    return isMassDelete(deleted, total, this.percent())
  }

  deletedBy(base: readonly DnsRecord[], proposed: readonly DnsRecord[]): DnsRecord[] | undefined {
    const deleted = deletedRecords(base, proposed)
    return isMassDelete(deleted.length, base.length, this.percent()) ? deleted : undefined
  }

  /** Holds the change from `base` to `proposed` (replacing any held one) and logs it as an error. */
  hold(source: MassDeleteSource, base: readonly DnsRecord[], proposed: readonly DnsRecord[], deleted: readonly DnsRecord[]): void {
    this.held = { info: describeMassDelete(source, base, proposed, deleted, this.percent(), this.o.now()), base, proposed }
    const { info } = this.held
    this.o.log.error(
      { path: this.o.path, source, removed: info.removed, total: info.total, proposed_total: info.proposed_total, removed_sample: info.removed_sample },
      heldMassDeleteMessage(info),
    )
  }

  /** Forgets a held change, logging `why`. */
  drop(why: string): void {
    if (!this.held) return
    this.o.log.warn({ path: this.o.path, would_have_removed: this.held.info.removed }, `held-back mass delete dropped: ${why}`)
    this.held = undefined
  }

  /** The held change; ERR_NOT_FOUND when nothing is held. */
  require(): HeldMassDelete {
    if (!this.held) throw new DnsplaneError('ERR_NOT_FOUND', 'no mass delete is held back')
    return this.held
  }

  /** Forgets the held change after it was confirmed or discarded. */
  clear(): void {
    this.held = undefined
  }

  private percent(): number {
    const p = this.o.percent?.() ?? DEFAULT_MASS_DELETE_GUARD_PERCENT
    return Number.isFinite(p) ? p : DEFAULT_MASS_DELETE_GUARD_PERCENT
  }
}
