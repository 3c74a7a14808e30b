/**
 * Ctrl-R reverse history search, as in bash/readline (pure): typing narrows the search, Ctrl-R
 * steps to older matches, Enter runs the match, Esc/Ctrl-G/Ctrl-C give back the line that was
 * there before, and any other key (arrows, Tab, Ctrl-A/E) leaves the match on the prompt to edit.
 */
import type { Key } from 'ink'
import { searchHistory } from './hooks/use-history.js'

export interface SearchState {
  query: string
  /** Index of the entry shown, undefined when nothing matches (yet). */
  index?: number
  /** True when the last step found nothing (the label says "failed"). */
  failed: boolean
  /** The prompt's line when the search started. */
  saved: string
}

export type SearchStep =
  | { kind: 'search'; state: SearchState }
  /** The search ended: put `line` on the prompt, and run it when `run`. */
  | { kind: 'done'; line: string; run: boolean }

export function startSearch(saved: string): SearchState {
  return { query: '', failed: false, saved }
}

function find(entries: readonly string[], s: SearchState, query: string, before: number): SearchState {
  const index = searchHistory(entries, query, before)
  return index === undefined ? { ...s, query, failed: query !== '' } : { ...s, query, index, failed: false }
}

/** One key press during a search. */
export function stepSearch(s: SearchState, entries: readonly string[], input: string, key: Key): SearchStep {
  const match = s.index === undefined ? s.saved : entries[s.index]
  if (key.escape || (key.ctrl && (input === 'g' || input === 'c'))) return { kind: 'done', line: s.saved, run: false }
  if (key.ctrl && input === 'r') return { kind: 'search', state: find(entries, s, s.query, s.index ?? entries.length) }
  if (key.return) return { kind: 'done', line: match, run: true }
  if (key.backspace || key.delete) {
    const query = s.query.slice(0, -1)
    return { kind: 'search', state: find(entries, { ...s, index: undefined }, query, entries.length) }
  }
  // eslint-disable-next-line no-control-regex
  if (!key.ctrl && !key.meta && !key.tab && !key.upArrow && !key.downArrow && !key.leftArrow && !key.rightArrow && input !== '' && !/[\u0000-\u001f\u007f]/.test(input)) {
    // A longer query may still match the entry shown, so search from it (inclusive).
    return { kind: 'search', state: find(entries, s, s.query + input, (s.index ?? entries.length - 1) + 1) }
  }
  return { kind: 'done', line: match, run: false }
}

/** The prompt drawn during a search. */
export function searchLabel(s: SearchState, entries: readonly string[]): string {
  const shown = s.index === undefined ? '' : entries[s.index]
  return `(${s.failed ? 'failed ' : ''}reverse-i-search)'${s.query}': ${shown}`
}
