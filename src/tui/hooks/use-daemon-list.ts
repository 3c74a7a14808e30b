/** A list fetched from the daemon for tab completion, refreshed on demand; a failed fetch keeps the last list. */
import { useCallback, useEffect, useRef, useState } from 'react'
import type { DaemonClient } from '../daemon-client.js'

export function useDaemonList(client: DaemonClient, path: string, extract: (raw: unknown) => string[]): { items: readonly string[]; refresh: () => void } {
  const [items, setItems] = useState<readonly string[]>([])
  const [generation, setGeneration] = useState(0)
  const alive = useRef(true)
  const extractRef = useRef(extract)
  extractRef.current = extract
  useEffect(() => {
    alive.current = true
    return () => {
      alive.current = false
    }
  }, [])
  useEffect(() => {
    client
      .request({ method: 'GET', path })
      .then((raw) => {
        if (alive.current) setItems(extractRef.current(raw))
      })
      .catch(() => {
        // completion is a convenience: without this list it still completes commands
      })
  }, [client, path, generation])
  const refresh = useCallback(() => setGeneration((g) => g + 1), [])
  return { items, refresh }
}
