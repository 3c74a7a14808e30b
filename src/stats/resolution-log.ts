/**
 * The dashboard resolution log: a ring buffer of ResolutionEvents. A fast-path answer (pushHit) is
 * stored as its hit (which the fast path keeps unchanged while it is cached), its client and its
 * time, and becomes an event object only when the log is read: a repeated answer costs three stores
 * into two arrays and no allocation. Every answer is logged (no sampling). Pure; no timers, no I/O.
 */
import type { ResolutionEvent, ResolutionHit } from './resolution.js'
import { RingBuffer } from './ring-buffer.js'

/** An entry as stored: a caller's event, or a fast-path hit (told apart by `hitAt`). */
type Stored = ResolutionEvent | ResolutionHit

export class ResolutionLog extends RingBuffer<Stored> {
  /** Per slot: the client of a fast-path answer (one array beside `items`, the hit itself is in `items`). */
  private readonly clients: (string | undefined)[]
  /** Per slot: the time of a fast-path answer; NaN for a caller's event. */
  private readonly hitAt: Float64Array

  constructor(capacity: number) {
    super(capacity)
    this.clients = new Array<string | undefined>(capacity).fill(undefined)
    this.hitAt = new Float64Array(capacity).fill(NaN)
  }

  override push(event: ResolutionEvent): void {
    const h = this.head
    this.hitAt[h] = NaN
    this.clients[h] = undefined
    super.push(event)
  }

  /**
   * Records a fast-path answer: read back as an event of duration 0, outcome `hit.outcome` or 'local'.
   * `hit` must not change afterwards (the log reads its fields when it is read).
   */
  pushHit(at: number, clientIp: string | undefined, hit: ResolutionHit): void {
    const h = this.head
    this.hitAt[h] = at
    this.clients[h] = clientIp
    super.push(hit)
  }

  /** Up to `limit` entries, newest first. */
  override newest(limit?: number): ResolutionEvent[] {
    return super.newest(limit) as ResolutionEvent[]
  }

  protected override read(slot: number): Stored {
    const at = this.hitAt[slot]
    if (at !== at) return super.read(slot) // NaN: a caller's event
    const hit = super.read(slot)
    return {
      at, client_ip: this.clients[slot], qname: hit.qname, qtype: hit.qtype,
      outcome: hit.outcome ?? 'local', rcode: hit.rcode, record: hit.record, duration_ms: 0,
    }
  }

  override clear(): void {
    super.clear()
    this.clients.fill(undefined)
    this.hitAt.fill(NaN)
  }
}
