/** Polls GET /stats every `intervalMs` for the live view; keeps the last LIVE_WINDOW samples. */
import { useRef, useState } from 'react'
import type { DaemonClient } from '../daemon-client.js'
import { liveSample, resolverCounters, type ResolverCounters } from '../commands/stats.js'
import { usePollLoop } from './use-poll-loop.js'

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
  // The previous sample: a rate needs two.
  const prev = useRef<{ counters: ResolverCounters; at: number } | undefined>(undefined)
  usePollLoop(
    intervalMs,
    async (isStopped) => {
      try {
        const raw = await client.request({ method: 'GET', path: '/stats', timeoutMs: Math.max(intervalMs, 2000) })
        if (isStopped()) return
        const counters = resolverCounters(raw)
        const at = now()
        const last = prev.current
        prev.current = { counters, at }
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
        if (!isStopped()) setState((s) => ({ ...s, error: err instanceof Error ? err.message : String(err) }))
      }
    },
    [client, now],
  )
  return state
}
