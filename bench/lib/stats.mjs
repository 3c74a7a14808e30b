// Small statistics and output helpers for the bench scripts.
import { loadavg } from 'node:os'

/** Nearest-rank percentile (p in 0..100) of a numeric array; NaN when empty. */
export function percentile(values, p) {
  if (values.length === 0) return NaN
  const s = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil((p / 100) * s.length))
  return s[Math.min(rank, s.length) - 1]
}

/** A number with `digits` decimals, or "-" for NaN/undefined. */
export function fmt(n, digits = 1) {
  return n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits)
}

/** Integer with thousands separators. */
export function int(n) {
  return Math.round(n).toLocaleString('en-US')
}

/** A Markdown table. */
export function markdownTable(headers, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`
  return [line(headers), line(headers.map(() => '---')), ...rows.map((r) => line(r.map(String)))].join('\n')
}

/** "load 1.23 0.98 0.50": the 1/5/15-minute load averages, to show how busy the machine was. */
export function loadText() {
  return 'load ' + loadavg().map((l) => l.toFixed(2)).join(' ')
}

/** Prints to stderr with a [bench] prefix (progress; stdout is kept for the results). */
export function log(...parts) {
  process.stderr.write(`[bench] ${parts.join(' ')}\n`)
}
