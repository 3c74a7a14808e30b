/**
 * Presentation rules applied by executeCommand to every command's outcome (pure), so a command
 * cannot forget them: unset times read "—" in human output, and `--json` shows an empty list as []
 * where the daemon (like the Go original, whose nil slices marshal as null) sends null.
 */
import type { OutputBlock } from './types.js'

/** Shown for a time that was never set. */
export const UNSET = '—'

/** Go's zero time.Time as RFC 3339 (also with a zero fraction, as JavaScript prints it). */
const ZERO_TIME = /0001-01-01T00:00:00(?:\.0+)?Z/g
const ZERO_TIME_EXACT = /^0001-01-01T00:00:00(?:\.0+)?Z$/

/** Keys whose value is a list in the daemon's answers; null there means "empty". */
const LIST_KEYS: ReadonlySet<string> = new Set([
  'records',
  'peers',
  'messages',
  'results',
  'servers',
  'cache',
  'entries',
  'answers',
  'domain_whitelist',
  'cluster_peers',
  'cluster_allowed_writer_node_ids',
])

/** "—" for an unset time, else the text unchanged. */
export function displayTime(text: string): string {
  return ZERO_TIME_EXACT.test(text) ? UNSET : text
}

function unsetTimesDeep(value: unknown): unknown {
  if (typeof value === 'string') return displayTime(value)
  if (Array.isArray(value)) return value.map(unsetTimesDeep)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unsetTimesDeep(v)]))
  }
  return value
}

/** A copy of the block with unset times shown as "—" (tables, JSON shown to a human, text). */
export function presentBlock(block: OutputBlock): OutputBlock {
  switch (block.kind) {
    case 'table':
      return { ...block, rows: block.rows.map((r) => r.map(displayTime)) }
    case 'json':
      return { ...block, value: unsetTimesDeep(block.value) }
    case 'text':
      return { ...block, text: block.text.replace(ZERO_TIME, UNSET) }
    case 'error':
      return block
  }
}

/** A copy of a daemon answer for `--json` with null lists (see LIST_KEYS) as []. Times stay as sent. */
export function jsonLists(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(jsonLists)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v === null && LIST_KEYS.has(k) ? [] : jsonLists(v)]))
  }
  return value
}
