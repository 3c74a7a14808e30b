/** Record names for tab completion, fetched from the daemon (GET /dns/records) and refreshed on demand. */
import { useCallback, useEffect, useRef, useState } from 'react'
import type { DaemonClient } from '../daemon-client.js'
import { asArray, asObject, asString } from '../commands/shape.js'

/** Most names kept for completion. */
export const MAX_COMPLETION_NAMES = 5000

/** Unique record names of a /dns/records answer, sorted, at most MAX_COMPLETION_NAMES. */
export function recordNamesOf(raw: unknown): string[] {
  const names = new Set<string>()
  for (const r of asArray(asObject(raw).records)) {
    const n = asString(asObject(r).name)
    if (n !== '') names.add(n)
    if (names.size >= MAX_COMPLETION_NAMES) break
  }
  return [...names].sort()
}

export function useRecordNames(client: DaemonClient): { names: readonly string[]; refresh: () => void } {
  const [names, setNames] = useState<readonly string[]>([])
  const [generation, setGeneration] = useState(0)
  const alive = useRef(true)
  useEffect(() => {
    alive.current = true
    return () => {
      alive.current = false
    }
  }, [])
  useEffect(() => {
    client
      .request({ method: 'GET', path: '/dns/records' })
      .then((raw) => {
        if (alive.current) setNames(recordNamesOf(raw))
      })
      .catch(() => {
        // completion is a convenience: without names it still completes commands
      })
  }, [client, generation])
  const refresh = useCallback(() => setGeneration((g) => g + 1), [])
  return { names, refresh }
}
