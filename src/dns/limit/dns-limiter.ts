/**
 * The DNS abuse limits of an exposed server, in one place (the responder calls it for every message):
 *  - a per-client query rate limit (token bucket, every transport): over it, REFUSED;
 *  - a response limiter over UDP, in one of two modes: `sliding_window` (responses per client per
 *    window, REFUSED above, the original's meaning) or `rrl` (response rate limiting as BIND and Knot do
 *    it: per client prefix and response class, over-limit replies dropped and one in 1/slip answered
 *    truncated so a real client retries over TCP);
 *  - an amplification cap over UDP: a reply larger than ratio x the query goes out truncated (TC=1).
 * TCP, DoT and DoH sources cannot be spoofed, so only the query rate limit applies to them.
 * State is kept per client prefix in bounded maps (least recently used forgotten first). Pure: time
 * comes in as epoch milliseconds; counting happens here and is read through `counters`.
 */
import type { Config } from '../../config/schema.js'
import { BoundedMap } from './bounded-map.js'
import { clientPrefix } from './client-prefix.js'
import { inspectResponse, truncatedReply } from './response-class.js'
import { countInWindow, newWindow, type WindowCount } from './sliding-window.js'
import { newBucket, takeToken, type TokenBucket } from './token-bucket.js'

/** Clients (or RRL buckets) tracked per table; about 100 bytes each, so a few MiB at most. */
export const MAX_TRACKED_CLIENTS = 65_536

/** Prefix lengths: the rate limits count one IPv4 host or IPv6 /64; RRL counts IPv4 /24 and IPv6 /56 as BIND. */
export const RATE_V4_BITS = 32
export const RATE_V6_BITS = 64
export const RRL_V4_BITS = 24
export const RRL_V6_BITS = 56

export interface DnsLimitSettings {
  /** Queries per second per client; 0 = off. */
  rateRps: number
  rateBurst: number
  mode: 'sliding_window' | 'rrl'
  windowMs: number
  /** Responses per client per window (sliding_window); 0 = off. */
  maxPerWindow: number
  /** Responses per bucket per RRL window; 0 = off. */
  rrlMax: number
  rrlWindowMs: number
  /** Share of over-limit RRL replies sent truncated instead of dropped (0 = none, 1 = all). */
  rrlSlip: number
  /** Largest UDP reply as a multiple of the query's size; 0 = off. */
  amplificationRatio: number
  /** Entries per table (default MAX_TRACKED_CLIENTS). */
  capacity?: number
}

/** What the limits did, since start. `evictions` is how often a full table forgot a client. */
export interface DnsLimitCounters {
  refused_rate: number
  refused_window: number
  rrl_dropped: number
  rrl_slipped: number
  amplification_truncated: number
  evictions: number
}

/** The settings from dnsplane.json. */
export function dnsLimitSettingsFrom(c: Config): DnsLimitSettings {
  return {
    rateRps: c.dns_rate_limit_rps,
    rateBurst: c.dns_rate_limit_burst,
    mode: c.dns_response_limit_mode,
    windowMs: c.dns_sliding_window_seconds * 1000,
    maxPerWindow: c.dns_max_responses_per_ip_window,
    rrlMax: c.dns_rrl_max_per_bucket,
    rrlWindowMs: c.dns_rrl_window_seconds * 1000,
    rrlSlip: c.dns_rrl_slip,
    amplificationRatio: c.dns_amplification_max_ratio,
  }
}

/** True when some limit is on (else the responder need not consult a limiter at all). */
export function hasDnsLimits(s: DnsLimitSettings): boolean {
  return s.rateRps > 0 || s.amplificationRatio > 0 || (s.mode === 'rrl' ? s.rrlMax > 0 : s.maxPerWindow > 0)
}

interface RrlBucket extends WindowCount {
  /** Over-limit replies of this bucket in a row; every slipEvery-th one slips. */
  over: number
}

export class DnsLimiter {
  private readonly rate: BoundedMap<string, TokenBucket>
  private readonly window: BoundedMap<string, WindowCount>
  private readonly rrl: BoundedMap<string, RrlBucket>
  /** One in this many over-limit RRL replies slips; 0 = never. */
  private readonly slipEvery: number
  private readonly counts: Omit<DnsLimitCounters, 'evictions'> = {
    refused_rate: 0, refused_window: 0, rrl_dropped: 0, rrl_slipped: 0, amplification_truncated: 0,
  }

  constructor(private readonly s: DnsLimitSettings) {
    const cap = s.capacity ?? MAX_TRACKED_CLIENTS
    this.rate = new BoundedMap(cap)
    this.window = new BoundedMap(cap)
    this.rrl = new BoundedMap(cap)
    this.slipEvery = s.rrlSlip > 0 ? Math.max(1, Math.round(1 / s.rrlSlip)) : 0
  }

  get counters(): DnsLimitCounters {
    return { ...this.counts, evictions: this.rate.evictions + this.window.evictions + this.rrl.evictions }
  }

  /**
   * Whether a query from `ip` (over UDP when `udp`) may be answered at `now`; 'refuse' = answer REFUSED.
   * Counts the query against the rate limit, and over UDP in sliding_window mode its response against
   * the window (every admitted query gets one response).
   */
  admit(ip: string, udp: boolean, now: number): 'pass' | 'refuse' {
    const s = this.s
    if (s.rateRps > 0) {
      const key = clientPrefix(ip, RATE_V4_BITS, RATE_V6_BITS)
      let b = this.rate.get(key)
      if (!b) this.rate.set(key, (b = newBucket(s.rateBurst, now)))
      if (!takeToken(b, now, s.rateRps, s.rateBurst)) {
        this.counts.refused_rate++
        return 'refuse'
      }
    }
    if (udp && s.mode === 'sliding_window' && s.maxPerWindow > 0) {
      const key = clientPrefix(ip, RATE_V4_BITS, RATE_V6_BITS)
      let w = this.window.get(key)
      if (!w) this.window.set(key, (w = newWindow(now, s.windowMs)))
      if (!countInWindow(w, now, s.windowMs, s.maxPerWindow)) {
        this.counts.refused_window++
        return 'refuse'
      }
    }
    return 'pass'
  }

  /**
   * A UDP reply to `requestBytes` bytes from `ip`, as it may go out at `now`: unchanged, truncated (RRL
   * slip, amplification cap) or undefined (RRL drop: send nothing).
   */
  shapeUdpReply(reply: Buffer, requestBytes: number, ip: string, now: number): Buffer | undefined {
    const s = this.s
    const rrlOn = s.mode === 'rrl' && s.rrlMax > 0
    const cap = s.amplificationRatio > 0 ? s.amplificationRatio * requestBytes : Infinity
    if (!rrlOn && reply.length <= cap) return reply
    const info = inspectResponse(reply)
    if (!info) return reply
    if (rrlOn) {
      const key = `${clientPrefix(ip, RRL_V4_BITS, RRL_V6_BITS)} ${info.kind} ${info.name}`
      let b = this.rrl.get(key)
      if (!b) this.rrl.set(key, (b = { ...newWindow(now, s.rrlWindowMs), over: 0 }))
      if (!countInWindow(b, now, s.rrlWindowMs, s.rrlMax)) {
        b.over++
        if (this.slipEvery > 0 && b.over % this.slipEvery === 0) {
          this.counts.rrl_slipped++
          return truncatedReply(reply, info)
        }
        this.counts.rrl_dropped++
        return undefined
      }
    }
    if (reply.length > cap) {
      this.counts.amplification_truncated++
      return truncatedReply(reply, info)
    }
    return reply
  }
}
