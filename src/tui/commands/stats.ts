/** Root `stats` command and the pure arithmetic of the live view (GET /stats polled each second). */
import { formatDuration } from '../format.js'
import { asNumber, asObject, asString } from './shape.js'
import { UsageError, type CommandSpec } from './types.js'

export interface ResolverCounters {
  total_queries: number
  total_cache_hits: number
  total_blocks: number
  total_queries_forwarded: number
  total_queries_answered: number
  /** Unix milliseconds, when the daemon reported a parseable start time. */
  startMs?: number
}

function parseStart(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v < 1e11 ? v * 1000 : v
  if (typeof v === 'string' && v !== '') {
    const ms = Date.parse(v)
    return Number.isNaN(ms) ? undefined : ms
  }
  return undefined
}

/** Reads `session.resolver` of a /stats answer; missing counters read as 0. */
export function resolverCounters(raw: unknown): ResolverCounters {
  const r = asObject(asObject(asObject(raw).session).resolver)
  return {
    total_queries: asNumber(r.total_queries) ?? 0,
    total_cache_hits: asNumber(r.total_cache_hits) ?? 0,
    total_blocks: asNumber(r.total_blocks) ?? 0,
    total_queries_forwarded: asNumber(r.total_queries_forwarded) ?? 0,
    total_queries_answered: asNumber(r.total_queries_answered) ?? 0,
    startMs: parseStart(r.server_start_time),
  }
}

export interface LiveSample {
  /** Queries per second over the interval. */
  qps: number
  /** Cache hits / queries over the interval, 0..1 (0 when there were no queries). */
  hitRatio: number
}

/** Rates between two polls `dtMs` apart; a counter going backwards (daemon restart) reads as 0. */
export function liveSample(prev: ResolverCounters, next: ResolverCounters, dtMs: number): LiveSample {
  const dq = Math.max(0, next.total_queries - prev.total_queries)
  const dh = Math.max(0, next.total_cache_hits - prev.total_cache_hits)
  const secs = dtMs > 0 ? dtMs / 1000 : 1
  return { qps: dq / secs, hitRatio: dq > 0 ? Math.min(1, dh / dq) : 0 }
}

const pct = (n: number, d: number): string => (d > 0 ? ` (${((100 * n) / d).toFixed(1)}%)` : '')

export const STATS_COMMAND: CommandSpec = {
  name: 'stats',
  aliases: ['statistics'],
  usage: '[once]',
  summary: 'query counters; interactively then a live view (queries/s, cache-hit sparkline) until a key is pressed',
  examples: ['stats', 'stats once'],
  subcommands: ['once'],
  async run(args, env) {
    if (args.length > 1 || (args.length === 1 && args[0] !== 'once')) throw new UsageError('expected no argument or "once"')
    const raw = await env.client.request({ method: 'GET', path: '/stats' })
    const c = resolverCounters(raw)
    const startRaw = asString(asObject(asObject(asObject(raw).session).resolver).server_start_time)
    const rows: string[][] = [
      ['Server start', c.startMs !== undefined ? new Date(c.startMs).toISOString() : startRaw],
      ['Uptime', c.startMs !== undefined ? formatDuration((env.now() - c.startMs) / 1000) : ''],
      ['Total queries', String(c.total_queries)],
      ['Answered', String(c.total_queries_answered)],
      ['Cache hits', `${c.total_cache_hits}${pct(c.total_cache_hits, c.total_queries)}`],
      ['Blocked', `${c.total_blocks}${pct(c.total_blocks, c.total_queries)}`],
      ['Forwarded', String(c.total_queries_forwarded)],
    ]
    return {
      output: [{ kind: 'table', columns: ['Counter', 'Value'], rows }],
      raw,
      effect: args[0] === 'once' ? undefined : 'live-stats',
    }
  },
}
