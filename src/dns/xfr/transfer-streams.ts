/**
 * A cap on large zone transfers sent at once: each streamed AXFR holds a snapshot of its zone's
 * owner list (tens of MB at a million names) until it ends or its connection goes, so a node takes
 * at most `max` of them at a time and refuses the next (RFC 5936 2.2.1 lets a server refuse). A
 * stream counts until `more` says it ended or the transport calls `abort`. Pure.
 */
import type { TransferAnswer } from './transfer.js'

/** Streamed AXFRs a node sends at once (small transfers are built in one turn and not counted). */
export const MAX_TRANSFER_STREAMS = 8

export class TransferStreams {
  private active = 0

  constructor(private readonly max = MAX_TRANSFER_STREAMS) {}

  /** Streams being sent now. */
  get count(): number {
    return this.active
  }

  /**
   * Counts `a` (a streamed answer) in and wraps its `more`/`abort` to count it out once it ends or is
   * given up; false when the cap is reached (the stream is aborted and must not be sent).
   */
  admit(a: TransferAnswer): boolean {
    const more = a.more
    if (!more) return true
    if (this.active >= this.max) {
      a.abort?.()
      return false
    }
    this.active++
    let counted = true
    const release = (): void => {
      if (counted) this.active--
      counted = false
    }
    const abort = a.abort
    a.more = () => {
      const batch = more()
      if (batch === undefined) release()
      return batch
    }
    a.abort = () => {
      release()
      abort?.()
    }
    return true
  }
}
