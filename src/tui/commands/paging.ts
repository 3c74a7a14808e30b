/**
 * `--limit N` / `--page P` for listings (pure): the flags are taken out of a command's arguments and
 * the first table of its output is cut to one page. The header stays (each page is a whole table)
 * and a footer says where the page sits and how to get the next one.
 */
import { UsageError, type OutputBlock } from './types.js'

/** Rows per page when only `--page` is given. */
export const DEFAULT_PAGE_ROWS = 20
/** Largest `--limit` (a bigger listing is not a page). */
export const MAX_PAGE_ROWS = 10_000

export interface PageRequest {
  /** Rows per page, 1..MAX_PAGE_ROWS. */
  limit: number
  /** 1-based page number. */
  page: number
}

function positive(flag: string, text: string | undefined, max: number): number {
  if (text === undefined || !/^\d{1,9}$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw new UsageError(`${flag} expects a whole number 1..${max}${text === undefined ? '' : `, got "${text}"`}`)
  }
  return Number(text)
}

/** Removes `--limit N`, `--page P` (also `--limit=N`) from args; page is set when either was given. */
export function splitPageFlags(args: readonly string[]): { args: string[]; page?: PageRequest } {
  const rest: string[] = []
  let limit: number | undefined
  let page: number | undefined
  for (let i = 0; i < args.length; i++) {
    const m = /^--(limit|page)(?:=(.*))?$/.exec(args[i])
    if (!m) {
      rest.push(args[i])
      continue
    }
    const value = m[2] ?? args[++i]
    if (m[1] === 'limit') limit = positive('--limit', value, MAX_PAGE_ROWS)
    else page = positive('--page', value, 1_000_000)
  }
  if (limit === undefined && page === undefined) return { args: rest }
  return { args: rest, page: { limit: limit ?? DEFAULT_PAGE_ROWS, page: page ?? 1 } }
}

/** The blocks with the first table cut to the requested page, plus a footer; `again` is the command to repeat. */
export function pageOutput(blocks: readonly OutputBlock[], req: PageRequest, again: string): OutputBlock[] {
  const at = blocks.findIndex((b) => b.kind === 'table')
  if (at < 0) return [...blocks]
  const table = blocks[at] as Extract<OutputBlock, { kind: 'table' }>
  const total = table.rows.length
  const pages = Math.max(1, Math.ceil(total / req.limit))
  const start = (req.page - 1) * req.limit
  const rows = table.rows.slice(start, start + req.limit)
  const shown = rows.length === 0 ? `no rows on page ${req.page} (${total} rows, ${pages} page${pages === 1 ? '' : 's'})` : `rows ${start + 1}-${start + rows.length} of ${total}, page ${req.page} of ${pages}`
  const next = req.page < pages ? `; next: ${again} --limit ${req.limit} --page ${req.page + 1}` : ''
  const footer: OutputBlock = { kind: 'text', text: `${shown}${next}`, tone: 'muted' }
  return [...blocks.slice(0, at), { ...table, rows, empty: rows.length === 0 ? '(no rows on this page)' : table.empty }, footer, ...blocks.slice(at + 1)]
}
