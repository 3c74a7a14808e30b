/** Polls one GET path every `intervalMs`; keeps the last answer and the last error (cleared by a success). */
import { useEffect, useState } from 'react'
import type { DaemonClient } from '../daemon-client.js'

export interface PollState {
  raw?: unknown
  error?: string
}

export function usePoll(client: DaemonClient, path: string, intervalMs: number): PollState {
  const [state, setState] = useState<PollState>({})
  useEffect(() => {
    let stopped = false
    let inFlight = false
    const poll = async (): Promise<void> => {
      if (inFlight) return
      inFlight = true
      try {
        const raw = await client.request({ method: 'GET', path, timeoutMs: Math.max(intervalMs, 2000) })
        if (!stopped) setState({ raw })
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
  }, [client, path, intervalMs])
  return state
}
