/**
 * The contract between the DNS server (local answers) and the forwarding side (cache + upstreams).
 * The server calls resolve() for every question its local data does not answer. Types only.
 */
import type { Answer } from 'dns-packet'

export interface Question {
  /** As asked (case kept), without trailing dot. */
  name: string
  /** Mnemonic, e.g. 'A', 'AAAA', 'MX'. */
  type: string
  /** Mnemonic, normally 'IN'. */
  class: string
}

export type UpstreamAnswer =
  | {
      kind: 'answer'
      /** NOERROR with answers, or NXDOMAIN/NOERROR-nodata relayed from an upstream. */
      rcode: 'NOERROR' | 'NXDOMAIN'
      answers: Answer[]
      /** Authority section (e.g. the SOA of an upstream NXDOMAIN), may be empty. */
      authorities: Answer[]
      /** True when served from the response cache. */
      fromCache: boolean
      /** ip:port of the upstream that answered (absent for cache hits). */
      upstream?: string
      /** Upstream's AD bit, relayed; with dnssec_validate, our own verdict (secure). */
      ad?: boolean
      /** dnssec_validate_strict: the answer failed validation; SERVFAIL with this EDE unless the query has CD. */
      bogus?: { ede: number; reason: string }
    }
  /** No usable answer from any upstream within the timeout (or none selected). */
  | { kind: 'none'; reason: 'timeout' | 'no_upstreams' | 'all_failed' }

export interface UpstreamResolver {
  /** Resolve from the cache, else the selected upstreams in parallel; never throws. */
  resolve(question: Question, signal?: AbortSignal): Promise<UpstreamAnswer>
  /**
   * Changes whenever a cached answer is removed or replaced (flush, eviction, expiry), so copies of
   * cached answers kept elsewhere (the UDP fast path) know to drop theirs. Absent: never copy.
   */
  cacheGeneration?(): number
}
