/**
 * One DNS resolution as the stats, the dashboard log and metrics see it.
 * Keys keep the original dashboard's spellings. Pure types.
 */
/** 'update': an RFC 2136 UPDATE (qname = zone, qtype UPDATE). */
export type ResolutionOutcome = 'local' | 'cache' | 'upstream' | 'none' | 'blocked' | 'update'

export interface ResolutionEvent {
  /** Epoch milliseconds when the answer was sent. */
  at: number
  client_ip?: string
  qname: string
  qtype: string
  outcome: ResolutionOutcome
  /** ip:port of the upstream that answered, for outcome 'upstream'. */
  upstream?: string
  /** Response code mnemonic: NOERROR, NXDOMAIN, SERVFAIL, FORMERR, REFUSED, NOTIMP. */
  rcode: string
  /** Short text of the first answer record, if any. */
  record?: string
  duration_ms: number
}

/** What a repeated answer (the UDP fast path) has in common with its first: one object per cached answer. */
export interface ResolutionHit {
  qname: string
  qtype: string
  /** Default 'local'. */
  outcome?: ResolutionOutcome
  rcode: string
  record?: string
  /** Answers of this hit not yet counted (HitBatch); the fast path starts it at 0. */
  pending?: number
}

/** Receives every resolution; implementations must be O(1) and never throw (called on the DNS hot path). */
export interface ResolutionSink {
  record(event: ResolutionEvent): void
  /**
   * A fast-path answer over UDP (duration 0, not truncated, no upstream): the same facts as
   * record() with an event of these fields, without building an event object per query. Optional:
   * the responder falls back to record().
   */
  recordHit?(at: number, clientIp: string | undefined, hit: ResolutionHit): void
}
