/**
 * The dashboard resolution log: a ring buffer of ResolutionEvents. A fast-path answer (pushHit) is
 * stored as three array slots (its time, client and the hit, which the fast path keeps unchanged
 * while it is cached) and becomes an event object only when the log is read, so a repeated answer
 * costs a few stores and no allocation. Every answer is logged (no sampling). Pure; no timers, no I/O.
 */
import type { ResolutionEvent, ResolutionHit } from './resolution.js'
import { RingBuffer } from './ring-buffer.js'

export class ResolutionLog extends RingBuffer<ResolutionEvent> {
  /** Per slot: the hit of a fast-path answer (undefined for an event), its time and its client. */
  private readonly hits: (ResolutionHit | undefined)[]
  private readonly hitAt: Float64Array
  private readonly hitClient: (string | undefined)[]

  constructor(capacity: number) {
    super(capacity)
    this.hits = new Array<ResolutionHit | undefined>(capacity).fill(undefined)
    this.hitAt = new Float64Array(capacity)
    this.hitClient = new Array<string | undefined>(capacity).fill(undefined)
  }

  override push(event: ResolutionEvent): void {
    this.hits[this.head] = undefined
    super.push(event)
  }

  /**
   * Records a fast-path answer: read back as an event of duration 0, outcome `hit.outcome` or 'local'.
   * `hit` must not change afterwards (the log reads its fields when it is read).
   */
  pushHit(at: number, clientIp: string | undefined, hit: ResolutionHit): void {
    const h = this.head
    this.hits[h] = hit
    this.hitAt[h] = at
    this.hitClient[h] = clientIp
    this.items[h] = undefined // the event it replaces, if any, is garbage now
    this.advance()
  }

  protected override read(slot: number): ResolutionEvent {
    const hit = this.hits[slot]
    if (hit === undefined) return super.read(slot)
    return {
      at: this.hitAt[slot], client_ip: this.hitClient[slot], qname: hit.qname, qtype: hit.qtype,
      outcome: hit.outcome ?? 'local', rcode: hit.rcode, record: hit.record, duration_ms: 0,
    }
  }

  override clear(): void {
    super.clear()
    this.hits.fill(undefined)
    this.hitClient.fill(undefined)
  }
}
