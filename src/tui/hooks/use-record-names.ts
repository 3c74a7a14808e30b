/** Record names for tab completion, fetched from the daemon (GET /dns/records) and refreshed on demand. */
import type { DaemonClient } from '../daemon-client.js'
import { useDaemonList } from './use-daemon-list.js'
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
  const { items, refresh } = useDaemonList(client, '/dns/records', recordNamesOf)
  return { names: items, refresh }
}
