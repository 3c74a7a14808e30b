/** Polls GET /stats every `intervalMs` for the live view; keeps the last LIVE_WINDOW samples. */
import { useEffect, useState } from 'react'
import type { DaemonClient } from '../daemon-client.js'
import { liveSample, resolverCounters, type ResolverCounters } from '../commands/stats.js'

/** Samples kept for the sparklines (one per poll). */
export const LIVE_WINDOW = 60

export interface LiveStatsState {
  counters?: ResolverCounters
  qps: number[]
  hitRatio: number[]
  error?: string
}

export function useLiveStats(client: DaemonClient, intervalMs: number, now: () => number): LiveStatsState {
  const [state, setState] = useState<LiveStatsState>({ qps: [], hitRatio: [] })
  useEffect(() => {
    let stopped = false
    let prev: { counters: ResolverCounters; at: number } | undefined
    let inFlight = false
    const poll = async (): Promise<void> => {
      if (inFlight) return
      inFlight = true
      try {
        const raw = await client.request({ method: 'GET', path: '/stats', timeoutMs: Math.max(intervalMs, 2000) })
        if (stopped) return
        const counters = resolverCounters(raw)
        const at = now()
        const last = prev
        prev = { counters, at }
        setState((s) => {
          if (!last) return { ...s, counters, error: undefined }
          const sample = liveSample(last.counters, counters, at - last.at)
          return {
            counters,
            qps: [...s.qps, sample.qps].slice(-LIVE_WINDOW),
            hitRatio: [...s.hitRatio, sample.hitRatio].slice(-LIVE_WINDOW),
          }
        })
      } catch (err) {
        if (!stopped) setState((s) => ({ ...s, error: err instanceof Error ? err.message : String(err) }))
      } finally {
        inFlight = false
      }
    }
    void poll()
    const timer = setInterval(() => void poll(), intervalMs)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [client, intervalMs, now])
  return state
}
