/**
 * Failed-auth bookkeeping per source IP: MAX failures within a window block the source for one
 * window. Pure: the caller passes the time in; the table is bounded (oldest sources forgotten).
 */

/** Most source IPs remembered; beyond it the oldest entry is forgotten. */
export const MAX_TRACKED_SOURCES = 4096

export interface AuthGuardLimits {
  maxFailedAuthsPerIp: number
  failedAuthWindowMs: number
}

interface SourceEntry {
  times: number[]
  blockedUntil: number
}

export class AuthGuard {
  private readonly sources = new Map<string, SourceEntry>()

  constructor(private readonly limits: AuthGuardLimits) {}

  /** True while `ip` is blocked at `now` (epoch ms). */
  isBlocked(ip: string, now: number): boolean {
    const entry = this.sources.get(ip)
    return entry !== undefined && entry.blockedUntil > now
  }

  /** Counts one failure of `ip` at `now`; true when this failure blocks the source. */
  recordFailure(ip: string, now: number): boolean {
    const { maxFailedAuthsPerIp, failedAuthWindowMs } = this.limits
    const entry = this.sources.get(ip) ?? { times: [], blockedUntil: 0 }
    entry.times = entry.times.filter((t) => now - t < failedAuthWindowMs)
    entry.times.push(now)
    let blocked = false
    if (entry.times.length >= maxFailedAuthsPerIp) {
      entry.blockedUntil = now + failedAuthWindowMs
      entry.times = []
      blocked = true
    }
    this.sources.set(ip, entry)
    if (this.sources.size > MAX_TRACKED_SOURCES) this.sources.delete(this.sources.keys().next().value as string)
    return blocked
  }

  /** Number of sources remembered (tests, bounds). */
  get size(): number {
    return this.sources.size
  }
}
