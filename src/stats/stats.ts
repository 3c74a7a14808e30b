/**
 * In-memory query statistics: counters, the dashboard resolution log (ring buffer),
 * a last-60-minutes series of replies/average latency and 5-second per-second rates.
 * Pure apart from the injected clock; imports no I/O, timers or metrics.
 */
import type { ResolutionEvent, ResolutionHit, ResolutionOutcome, ResolutionSink } from './resolution.js'
import { ResolutionLog } from './resolution-log.js'
import type {
  DashboardData, DashboardExtra, PerfSummary, PerSecondRates, QueryCounters, ResolutionEntry,
  ResolutionsView, ResolverCounters, SeriesPoint,
} from './dashboard-data.js'

export const DEFAULT_RESOLUTION_LOG_CAP = 1000
export const MAX_RESOLUTION_LOG_CAP = 1_000_000
/** Length of the per-minute series. */
export const SERIES_MINUTES = 60
/** Window of the per-second rates (the last complete seconds). */
export const RATE_WINDOW_SECONDS = 5
/** Newest resolutions included in the dashboard `log` key. */
export const DASHBOARD_LOG_LIMIT = 200

const OUTCOMES: readonly ResolutionOutcome[] = ['local', 'cache', 'upstream', 'none', 'blocked', 'update']
const OUTCOME_INDEX: Record<ResolutionOutcome, number> = { local: 0, cache: 1, upstream: 2, none: 3, blocked: 4, update: 5 }
const RATE_SLOTS = RATE_WINDOW_SECONDS + 1

export interface StatsOptions {
  /** Epoch milliseconds; default Date.now. */
  now?: () => number
  /** Resolution log capacity, 1..MAX_RESOLUTION_LOG_CAP (default 1000). */
  resolutionLogCap?: number
}

/**
 * Counters and live series for the dashboard, `/stats` and metrics.
 * `record` is O(1), allocation-free apart from storing the event, and never throws.
 * Counting: every recorded resolution is one query received and one question answered;
 * `noteQueryWithoutResolution` counts a query that got no resolution (dropped, refused, malformed).
 */
export class Stats implements ResolutionSink {
  private readonly now: () => number
  private startMs: number
  private log: ResolutionLog
  private readonly c: QueryCounters = {
    total_queries: 0, total_cache_hits: 0, total_blocks: 0, total_queries_forwarded: 0, total_queries_answered: 0,
  }
  // perf (resettable)
  private perfTotal = 0
  private perfOutcomes = [0, 0, 0, 0, 0, 0]
  private perfSumMs = 0
  private perfMaxMs = 0
  // per-minute series: slot = minute % SERIES_MINUTES
  private readonly minuteOf = new Float64Array(SERIES_MINUTES).fill(-1)
  private readonly minuteReplies = new Float64Array(SERIES_MINUTES)
  private readonly minuteSumMs = new Float64Array(SERIES_MINUTES)
  // per-second rates: slot = second % RATE_SLOTS, OUTCOMES.length counters per slot
  private readonly secondOf = new Float64Array(RATE_SLOTS).fill(-1)
  private readonly secondCounts = new Float64Array(RATE_SLOTS * OUTCOMES.length)
  /** The current second [secondStartMs, secondStartMs + 1000) and its slots, so most queries skip the slot math. */
  private secondStartMs = -Infinity
  private curMinuteSlot = 0
  private curSecondBase = 0
  /** Counts what is waiting to be counted (a HitBatch) before any read. */
  private flushPending: () => void = () => {}

  constructor(opts: StatsOptions = {}) {
    this.now = opts.now ?? Date.now
    this.startMs = this.now()
    this.log = new ResolutionLog(checkCap(opts.resolutionLogCap ?? DEFAULT_RESOLUTION_LOG_CAP))
  }

  /** Server start time, epoch milliseconds. */
  get serverStartMs(): number {
    return this.startMs
  }

  record(event: ResolutionEvent): void {
    const oi = OUTCOME_INDEX[event.outcome]
    if (oi === undefined) return // not one of ours: ignore rather than throw on the hot path
    const ms = Number.isFinite(event.duration_ms) && event.duration_ms > 0 ? event.duration_ms : 0
    this.count(oi, ms, this.now())
    this.log.push(event)
  }

  /**
   * A fast-path answer: counted and logged as record() would an event with duration 0, with no allocation;
   * `at` (the time it was sent) also places it in the series (record() reads the clock).
   */
  recordHit(at: number, clientIp: string | undefined, hit: ResolutionHit): void {
    const oi = OUTCOME_INDEX[hit.outcome ?? 'local']
    if (oi === undefined) return
    this.count(oi, 0, at)
    this.log.pushHit(at, clientIp, hit)
  }

  /** A fast-path answer for the log only; its counting comes later, through countHits (a HitBatch). */
  logHit(at: number, clientIp: string | undefined, hit: ResolutionHit): void {
    this.log.pushHit(at, clientIp, hit)
  }

  /** Counts `n` fast-path answers of `hit`, all in the second of `at`, as recordHit would one by one. */
  countHits(hit: ResolutionHit, n: number, at: number): void {
    const oi = OUTCOME_INDEX[hit.outcome ?? 'local']
    if (oi === undefined) return
    for (let i = 0; i < n; i++) this.count(oi, 0, at)
  }

  /** `flush` runs before every read of the counters, so hits counted in batches are never missing. */
  setPendingFlush(flush: () => void): void {
    this.flushPending = flush
  }

  /** `now`: the clock reading of the answer (a hit's `at` is one already, which saves a second read). */
  private count(oi: number, ms: number, now: number): void {
    const c = this.c
    c.total_queries++
    c.total_queries_answered++
    if (oi === 1) c.total_cache_hits++
    else if (oi === 4) c.total_blocks++
    else if (oi === 2) c.total_queries_forwarded++
    this.perfTotal++
    this.perfOutcomes[oi]++
    this.perfSumMs += ms
    if (ms > this.perfMaxMs) this.perfMaxMs = ms

    const sinceSecond = now - this.secondStartMs
    if (sinceSecond >= 0 && sinceSecond < 1000) {
      this.minuteReplies[this.curMinuteSlot]++
      this.minuteSumMs[this.curMinuteSlot] += ms
      this.secondCounts[this.curSecondBase + oi]++
      return
    }
    const minute = Math.floor(now / 60_000)
    const mslot = slot(minute, SERIES_MINUTES)
    if (this.minuteOf[mslot] !== minute) {
      this.minuteOf[mslot] = minute
      this.minuteReplies[mslot] = 0
      this.minuteSumMs[mslot] = 0
    }
    this.minuteReplies[mslot]++
    this.minuteSumMs[mslot] += ms

    const second = Math.floor(now / 1000)
    const sslot = slot(second, RATE_SLOTS)
    if (this.secondOf[sslot] !== second) {
      this.secondOf[sslot] = second
      this.secondCounts.fill(0, sslot * OUTCOMES.length, (sslot + 1) * OUTCOMES.length)
    }
    this.secondCounts[sslot * OUTCOMES.length + oi]++
    this.secondStartMs = second * 1000
    this.curMinuteSlot = mslot
    this.curSecondBase = sslot * OUTCOMES.length
  }

  /** Counts a query that produced no resolution event (rate-limited, refused, malformed). */
  noteQueryWithoutResolution(): void {
    this.c.total_queries++
  }

  counters(): ResolverCounters {
    this.flushPending()
    return { ...this.c, server_start_time: new Date(this.startMs).toISOString() }
  }

  perf(): PerfSummary {
    this.flushPending()
    return {
      total: this.perfTotal,
      outcome_local: this.perfOutcomes[0],
      outcome_cache: this.perfOutcomes[1],
      outcome_upstream: this.perfOutcomes[2],
      outcome_none: this.perfOutcomes[3],
      outcome_update: this.perfOutcomes[5],
      avg_total_ms: this.perfTotal === 0 ? 0 : round3(this.perfSumMs / this.perfTotal),
      max_total_ms: round3(this.perfMaxMs),
    }
  }

  resetPerf(): void {
    this.flushPending()
    this.perfTotal = 0
    this.perfOutcomes = [0, 0, 0, 0, 0, 0]
    this.perfSumMs = 0
    this.perfMaxMs = 0
  }

  /** The last SERIES_MINUTES minutes, oldest first, ending with the current (partial) minute. */
  series(): SeriesPoint[] {
    this.flushPending()
    const current = Math.floor(this.now() / 60_000)
    const out: SeriesPoint[] = []
    for (let m = current - SERIES_MINUTES + 1; m <= current; m++) {
      const s = slot(m, SERIES_MINUTES)
      const replies = this.minuteOf[s] === m ? this.minuteReplies[s] : 0
      const avg = replies === 0 ? 0 : round3(this.minuteSumMs[s] / replies)
      out.push({ t: m * 60, replies, avg_ms: avg })
    }
    return out
  }

  /** Average per second over the last RATE_WINDOW_SECONDS complete seconds (the current second is excluded). */
  perSecondRates(): PerSecondRates {
    this.flushPending()
    const current = Math.floor(this.now() / 1000)
    const sums = OUTCOMES.map(() => 0)
    for (let sec = current - RATE_WINDOW_SECONDS; sec < current; sec++) {
      const s = slot(sec, RATE_SLOTS)
      if (this.secondOf[s] !== sec) continue
      for (let i = 0; i < OUTCOMES.length; i++) sums[i] += this.secondCounts[s * OUTCOMES.length + i]
    }
    const rate = (n: number): number => round3(n / RATE_WINDOW_SECONDS)
    return {
      window_seconds: RATE_WINDOW_SECONDS,
      resolutions_per_sec: rate(sums.reduce((a, b) => a + b, 0)),
      local_per_sec: rate(sums[0]),
      cache_per_sec: rate(sums[1]),
      upstream_per_sec: rate(sums[2]),
      none_per_sec: rate(sums[3]),
      blocked_per_sec: rate(sums[4]),
    }
  }

  /** The resolution log, newest first (at most `limit` entries). */
  resolutions(limit?: number): ResolutionsView {
    return {
      cap: this.log.capacity,
      count: this.log.length,
      resolutions: this.log.newest(limit).map(toEntry),
    }
  }

  purgeResolutions(): void {
    this.log.clear()
  }

  /** Changes the log capacity (config reload), keeping the newest entries that fit. Throws RangeError when out of range. */
  setResolutionLogCap(cap: number): void {
    if (cap === this.log.capacity) return
    const next = new ResolutionLog(checkCap(cap))
    const keep = this.log.newest(cap)
    for (let i = keep.length - 1; i >= 0; i--) next.push(keep[i])
    this.log = next
  }

  /** Builds the original's `/stats/dashboard/data` object from these stats and the caller's values. */
  dashboardData(extra: DashboardExtra): DashboardData {
    this.flushPending()
    const now = this.now()
    const c = this.c
    const data: DashboardData = {
      counters: { ...c },
      perf: this.perf(),
      summary: {
        server_start: new Date(this.startMs).toISOString(),
        uptime_seconds: Math.max(0, Math.floor((now - this.startMs) / 1000)),
        cache_hit_ratio: c.total_queries === 0 ? null : round4(c.total_cache_hits / c.total_queries),
        block_rate: c.total_queries === 0 ? 0 : round4(c.total_blocks / c.total_queries),
        total_blocks: c.total_blocks,
        upstream: extra.upstream,
      },
      cache_info: extra.cacheInfo,
      series: this.series(),
      log: this.log.newest(DASHBOARD_LOG_LIMIT).map(toEntry),
      status: extra.status,
      build: extra.build,
      per_sec_rates: this.perSecondRates(),
    }
    if (extra.fullstats !== undefined) data.fullstats = extra.fullstats
    if (extra.fullstats_top !== undefined) data.fullstats_top = extra.fullstats_top
    if (extra.cluster !== undefined) data.cluster = extra.cluster
    return data
  }
}

function checkCap(cap: number): number {
  if (!Number.isInteger(cap) || cap < 1 || cap > MAX_RESOLUTION_LOG_CAP) {
    throw new RangeError(`dashboard_resolution_log_cap must be an integer in 1..${MAX_RESOLUTION_LOG_CAP}, got ${cap}`)
  }
  return cap
}

function slot(n: number, size: number): number {
  return ((n % size) + size) % size
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000
}

function round4(n: number): number {
  return Math.round(n * 10000) / 10000
}

function toEntry(e: ResolutionEvent): ResolutionEntry {
  const at = Number.isFinite(e.at) ? new Date(e.at) : new Date(0)
  const entry: ResolutionEntry = {
    at: Number.isNaN(at.getTime()) ? new Date(0).toISOString() : at.toISOString(),
    qname: e.qname,
    qtype: e.qtype,
    outcome: e.outcome,
    rcode: e.rcode,
    record: e.record ?? '',
    duration_ms: Number.isFinite(e.duration_ms) ? round3(e.duration_ms) : 0,
  }
  if (e.client_ip !== undefined) entry.client_ip = e.client_ip
  if (e.upstream !== undefined) entry.upstream = e.upstream
  return entry
}
