/**
 * The dashboard resolution log: a ring buffer of ResolutionEvents whose fast-path entries (pushHit)
 * are written into event objects the log owns and reuses slot by slot, so a full log records a
 * repeated answer without allocating. Readers get the events newest first and must copy what they
 * keep before the next push (Stats maps them to entries at once). Pure; no timers, no I/O.
 */
import type { ResolutionEvent, ResolutionHit } from './resolution.js'
import { RingBuffer } from './ring-buffer.js'

export class ResolutionLog extends RingBuffer<ResolutionEvent> {
  /** 1 where the slot holds an event this log created (and may overwrite), 0 for a caller's event. */
  private readonly owned: Uint8Array

  constructor(capacity: number) {
    super(capacity)
    this.owned = new Uint8Array(capacity)
  }

  override push(event: ResolutionEvent): void {
    this.owned[this.head] = 0 // never overwrite a caller's object
    super.push(event)
  }

  /** Records a fast-path answer: duration 0, outcome `hit.outcome` or 'local'. */
  pushHit(at: number, clientIp: string | undefined, hit: ResolutionHit): void {
    const h = this.head
    const outcome = hit.outcome ?? 'local'
    const e = this.owned[h] === 1 ? (this.items[h] as ResolutionEvent) : undefined
    if (e === undefined) {
      this.owned[h] = 1
      super.push({ at, client_ip: clientIp, qname: hit.qname, qtype: hit.qtype, outcome, rcode: hit.rcode, record: hit.record, duration_ms: 0 })
      return
    }
    e.at = at
    e.client_ip = clientIp
    e.qname = hit.qname
    e.qtype = hit.qtype
    e.outcome = outcome
    e.rcode = hit.rcode
    e.record = hit.record
    super.push(e)
  }

  override clear(): void {
    super.clear()
    this.owned.fill(0)
  }
}
