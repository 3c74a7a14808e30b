/** Up/down history navigation (pure helpers plus a hook holding the entries). */
import { useCallback, useRef, useState } from 'react'
import { appendHistory } from '../history.js'

export interface HistoryNav {
  /** Index into entries being shown, or null when editing a fresh line. */
  index: number | null
  /** The fresh line saved when navigation started. */
  draft: string
}

export const NO_NAV: HistoryNav = { index: null, draft: '' }

/** ↑: the previous entry (stays at the oldest). */
export function historyUp(entries: readonly string[], nav: HistoryNav, current: string): { nav: HistoryNav; line: string } | undefined {
  if (entries.length === 0) return undefined
  if (nav.index === null) return { nav: { index: entries.length - 1, draft: current }, line: entries[entries.length - 1] }
  const i = Math.max(0, nav.index - 1)
  return { nav: { ...nav, index: i }, line: entries[i] }
}

/** ↓: the next entry, then back to the saved fresh line. */
export function historyDown(entries: readonly string[], nav: HistoryNav): { nav: HistoryNav; line: string } | undefined {
  if (nav.index === null) return undefined
  if (nav.index + 1 >= entries.length) return { nav: NO_NAV, line: nav.draft }
  return { nav: { ...nav, index: nav.index + 1 }, line: entries[nav.index + 1] }
}

/**
 * Ctrl-R: index of the newest entry before `before` that contains `query` (case-insensitive), or
 * undefined. An empty query matches nothing, so the prompt shows the search until something is typed.
 */
export function searchHistory(entries: readonly string[], query: string, before = entries.length): number | undefined {
  if (query === '') return undefined
  const q = query.toLowerCase()
  for (let i = Math.min(before, entries.length) - 1; i >= 0; i--) if (entries[i].toLowerCase().includes(q)) return i
  return undefined
}

export function useHistory(initial: readonly string[], onChange?: (entries: string[]) => void): {
  entries: readonly string[]
  add: (line: string) => void
  up: (current: string) => string | undefined
  down: () => string | undefined
  reset: () => void
} {
  const [entries, setEntries] = useState<readonly string[]>(initial)
  const nav = useRef<HistoryNav>(NO_NAV)
  const entriesRef = useRef(entries)
  entriesRef.current = entries
  const add = useCallback(
    (line: string) => {
      const next = appendHistory(entriesRef.current, line)
      entriesRef.current = next
      setEntries(next)
      nav.current = NO_NAV
      onChange?.(next)
    },
    [onChange],
  )
  const up = useCallback((current: string) => {
    const r = historyUp(entriesRef.current, nav.current, current)
    if (!r) return undefined
    nav.current = r.nav
    return r.line
  }, [])
  const down = useCallback(() => {
    const r = historyDown(entriesRef.current, nav.current)
    if (!r) return undefined
    nav.current = r.nav
    return r.line
  }, [])
  const reset = useCallback(() => {
    nav.current = NO_NAV
  }, [])
  return { entries, add, up, down, reset }
}
