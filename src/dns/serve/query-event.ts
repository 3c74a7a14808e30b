/**
 * One event per answered query: what the responder reports to the stats sink (the dashboard log,
 * Stats counters and through them the metrics), and the server's own counters derived from the same
 * facts. Counting happens here only; the responder and the listeners never increment counters inline.
 */
import type { ResolutionEvent, ResolutionOutcome, ResolutionSink } from '../../stats/resolution.js'
import { RCODES } from '../wire/wire.js'

/** How a query came in: plain UDP/TCP, DNS over TLS (RFC 7858) or DNS over HTTPS (RFC 8484). */
export type QueryTransport = 'udp' | 'tcp' | 'dot' | 'doh'

/** A resolution (ResolutionEvent, so any ResolutionSink takes it) plus how it was served. */
export interface QueryEvent extends ResolutionEvent {
  transport: QueryTransport
  /** The reply did not fit the client's limit and went out with TC=1 and empty sections. */
  truncated: boolean
}

/** Receives every QueryEvent; like ResolutionSink, O(1) and never throws (DNS hot path). */
export interface QuerySink extends ResolutionSink {
  record(event: QueryEvent): void
}

/** Plain counters, read by the benchmarks, tests and `DnsServer.counters`. */
export interface DnsCounters {
  queries: number
  answered_local: number
  answered_cache: number
  answered_upstream: number
  nxdomain: number
  servfail: number
  formerr: number
  truncated: number
  tcp_connections: number
  /** Idle TCP connections closed to make room for a new one (RFC 7766 §6.2). */
  tcp_evicted: number
  /** New TCP connections closed at once: their client at its cap, or the server full with nothing idle. */
  tcp_refused: number
}

export type TcpAdmission = 'accepted' | 'evicted' | 'refused'

/**
 * DnsCounters kept from the events: the primitives of each event are passed in (no object per query,
 * so serving without a sink allocates nothing for counting).
 */
export class QueryTally {
  readonly counters: DnsCounters = {
    queries: 0, answered_local: 0, answered_cache: 0, answered_upstream: 0,
    nxdomain: 0, servfail: 0, formerr: 0, truncated: 0, tcp_connections: 0, tcp_evicted: 0, tcp_refused: 0,
  }

  /** A message arrived (answered or not, counted at once so queries in flight show). */
  received(): void {
    this.counters.queries++
  }

  /** A reply went out: `rcode` is the 4-bit header RCODE. */
  answered(outcome: ResolutionOutcome, rcode: number, truncated: boolean): void {
    const c = this.counters
    if (outcome === 'local') c.answered_local++
    else if (outcome === 'cache') c.answered_cache++
    else if (outcome === 'upstream') c.answered_upstream++
    if (rcode === RCODES.NXDOMAIN) c.nxdomain++
    else if (rcode === RCODES.SERVFAIL) c.servfail++
    else if (rcode === RCODES.FORMERR) c.formerr++
    if (truncated) c.truncated++
  }

  /** A TCP connection was accepted, or an idle one evicted for it, or it was refused. */
  tcp(what: TcpAdmission): void {
    if (what === 'accepted') this.counters.tcp_connections++
    else if (what === 'evicted') this.counters.tcp_evicted++
    else this.counters.tcp_refused++
  }
}
