/**
 * Plain-text rendering of command output (pure): tables, JSON, errors. Used by run-once and by
 * tests; the Ink app draws the same OutputBlocks with colour.
 */
import type { OutputBlock } from './commands/types.js'

/** Widest a table cell is drawn before it is cut with an ellipsis. */
export const MAX_CELL_CHARS = 80

const RED = '\u001b[31m'
const YELLOW = '\u001b[33m'
const GREEN = '\u001b[32m'
const DIM = '\u001b[2m'
const RESET = '\u001b[0m'

/** Replaces control characters so daemon-supplied text cannot drive the terminal. */
export function sanitize(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\uFFFD')
}

export function truncateCell(text: string, max = MAX_CELL_CHARS): string {
  const one = sanitize(text).replace(/\n/g, ' ')
  return one.length > max ? `${one.slice(0, max - 1)}…` : one
}

/** Column widths for a table: the widest of header and cells, each cell cut to MAX_CELL_CHARS. */
export function columnWidths(columns: string[], rows: string[][]): number[] {
  return columns.map((c, i) => Math.max(c.length, ...rows.map((r) => truncateCell(r[i] ?? '').length)))
}

/** Narrowest a wrapped last column gets, whatever the terminal width. */
export const MIN_WRAP_CHARS = 20

/** Word-wraps one line of text to `width` columns; a word longer than that is split. */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(1, width)
  const out: string[] = []
  let line = ''
  for (const word of sanitize(text).replace(/\n/g, ' ').split(/ +/)) {
    let rest = word
    while (rest.length > w) {
      if (line !== '') out.push(line)
      line = ''
      out.push(rest.slice(0, w))
      rest = rest.slice(w)
    }
    if (line === '') line = rest
    else if (line.length + 1 + rest.length <= w) line += ` ${rest}`
    else {
      out.push(line)
      line = rest
    }
  }
  out.push(line)
  return out
}

export interface TableLayout {
  /** Wrap the last column instead of cutting it with "…" (help tables). */
  wrap?: boolean
  /** Terminal width in columns; the wrapped column fills what the others leave (default MAX_CELL_CHARS wide). */
  width?: number
}

/** The lines of a table: the header, then the rows (a wrapped row takes several lines); no separator. */
export function tableLines(columns: string[], rows: string[][], layout: TableLayout = {}): { header: string; body: string[]; widths: number[] } {
  const last = columns.length - 1
  const widths = columnWidths(columns, layout.wrap ? rows.map((r) => r.slice(0, last)) : rows)
  const lead = widths.slice(0, last).reduce((a, b) => a + b + 2, 0)
  const wrapAt = layout.width === undefined ? MAX_CELL_CHARS : Math.max(MIN_WRAP_CHARS, layout.width - lead - 1)
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  const body: string[] = []
  for (const r of rows) {
    const cells = columns.map((_, i) => (layout.wrap && i === last ? r[i] ?? '' : truncateCell(r[i] ?? '')))
    if (!layout.wrap) {
      body.push(line(cells))
      continue
    }
    const parts = wrapText(cells[last], wrapAt)
    body.push(line([...cells.slice(0, last), parts[0]]))
    for (const p of parts.slice(1)) body.push(line([...cells.slice(0, last).map(() => ''), p]))
  }
  return { header: line(columns), body, widths: layout.wrap ? [...widths.slice(0, last), Math.max(columns[last].length, ...body.map((b) => b.length - lead))] : widths }
}

/** A left-aligned text table: header, dashes, rows; two spaces between columns. */
export function formatTable(columns: string[], rows: string[][], layout: TableLayout = {}): string {
  const { header, body, widths } = tableLines(columns, rows, layout)
  const dashes = widths.map((w) => '-'.repeat(w)).join('  ')
  return [header, dashes, ...body].join('\n')
}

/** Two-space indented JSON (as the original prints `cluster status`). */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'null'
}

export interface RenderOptions {
  /** Use ANSI colours (errors red, warnings yellow). */
  color?: boolean
  /** Terminal width, for wrapped tables. */
  width?: number
}

/** Renders one block as text, without a trailing newline. */
export function renderBlock(block: OutputBlock, opts: RenderOptions = {}): string {
  const paint = (code: string, s: string): string => (opts.color ? `${code}${s}${RESET}` : s)
  switch (block.kind) {
    case 'text': {
      const t = sanitizeMultiline(block.text)
      if (block.tone === 'warning') return paint(YELLOW, t)
      if (block.tone === 'success') return paint(GREEN, t)
      if (block.tone === 'muted') return paint(DIM, t)
      return t
    }
    case 'table':
      if (block.rows.length === 0) return paint(DIM, block.empty ?? '(none)')
      return formatTable(block.columns, block.rows, { wrap: block.wrap, width: opts.width })
    case 'json':
      return sanitizeMultiline(formatJson(block.value))
    case 'error': {
      const lines = [paint(RED, `error: ${sanitize(block.message)}`)]
      for (const d of block.details ?? []) lines.push(paint(RED, `  ${sanitize(d)}`))
      if (block.hint) lines.push(paint(DIM, `hint: ${sanitize(block.hint)}`))
      return lines.join('\n')
    }
  }
}

function sanitizeMultiline(text: string): string {
  return text.split('\n').map(sanitize).join('\n')
}

/** Renders blocks separated by newlines, with a trailing newline when non-empty. */
export function renderBlocks(blocks: OutputBlock[], opts: RenderOptions = {}): string {
  if (blocks.length === 0) return ''
  return `${blocks.map((b) => renderBlock(b, opts)).join('\n')}\n`
}

/** `1d 2h 3m 4s` style duration from seconds (negative → 0s). */
export function formatDuration(totalSeconds: number): string {
  let s = Math.max(0, Math.floor(totalSeconds))
  const d = Math.floor(s / 86400)
  s -= d * 86400
  const h = Math.floor(s / 3600)
  s -= h * 3600
  const m = Math.floor(s / 60)
  s -= m * 60
  const parts: string[] = []
  if (d) parts.push(`${d}d`)
  if (h) parts.push(`${h}h`)
  if (m) parts.push(`${m}m`)
  parts.push(`${s}s`)
  return parts.join(' ')
}

/** A cell for any JSON value: strings as-is, null/undefined empty, others as compact JSON. */
export function cell(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value) ?? ''
}

const SPARK = '▁▂▃▄▅▆▇█'

/** Unicode-block sparkline of `values` scaled to [min, max] (defaults: the values' own range). */
export function sparkline(values: readonly number[], min?: number, max?: number): string {
  if (values.length === 0) return ''
  const lo = min ?? Math.min(...values)
  const hi = max ?? Math.max(...values)
  const span = hi - lo
  return values
    .map((v) => {
      if (!Number.isFinite(v)) return ' '
      const f = span > 0 ? (Math.min(hi, Math.max(lo, v)) - lo) / span : 0
      return SPARK[Math.round(f * (SPARK.length - 1))]
    })
    .join('')
}
