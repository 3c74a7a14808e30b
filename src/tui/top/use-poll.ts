/** Polls one GET path every `intervalMs`; keeps the last answer and the last error (cleared by a success). */
import { useState } from 'react'
import type { DaemonClient } from '../daemon-client.js'
import { usePollLoop } from '../hooks/use-poll-loop.js'

export interface PollState {
  raw?: unknown
  error?: string
}

export function usePoll(client: DaemonClient, path: string, intervalMs: number): PollState {
  const [state, setState] = useState<PollState>({})
  usePollLoop(
    intervalMs,
    async (isStopped) => {
      try {
        const raw = await client.request({ method: 'GET', path, timeoutMs: Math.max(intervalMs, 2000) })
        if (!isStopped()) setState({ raw })
      } catch (err) {
        if (!isStopped()) setState((s) => ({ ...s, error: err instanceof Error ? err.message : String(err) }))
      }
    },
    [client, path],
  )
  return state
}
