/**
 * Splits one TUI input line into arguments (pure).
 * Unlike the original (whitespace only), values may be quoted so they can hold spaces:
 *   "double quotes" allow \" \\ escapes; 'single quotes' are literal; outside quotes a backslash
 *   escapes the next character (so `a\ b` is one argument).
 */

/** Longest input line accepted; longer lines are rejected rather than parsed. */
export const MAX_LINE_CHARS = 8192

export type ParseResult = { ok: true; args: string[] } | { ok: false; error: string }

/** The state of a line being typed, for completion: finished args and the (unquoted) word under the cursor. */
export interface PartialLine {
  /** Arguments before the word being typed. */
  args: string[]
  /** The word being typed, unescaped ('' when the line ends in whitespace). */
  current: string
  /** The quote still open at the end of the line, if any. */
  openQuote: '"' | "'" | null
}

interface Scan {
  args: string[]
  current: string
  inWord: boolean
  openQuote: '"' | "'" | null
  danglingEscape: boolean
}

function scan(line: string): Scan {
  const args: string[] = []
  let current = ''
  let inWord = false
  let quote: '"' | "'" | null = null
  let i = 0
  let danglingEscape = false
  while (i < line.length) {
    const ch = line[i]
    if (quote === "'") {
      if (ch === "'") quote = null
      else current += ch
      i++
      continue
    }
    if (quote === '"') {
      if (ch === '\\') {
        const next = line[i + 1]
        if (next === undefined) {
          danglingEscape = true
          i++
          continue
        }
        // Inside double quotes only \" and \\ are escapes; other backslashes stay literal.
        if (next === '"' || next === '\\') {
          current += next
          i += 2
          continue
        }
        current += ch
        i++
        continue
      }
      if (ch === '"') quote = null
      else current += ch
      i++
      continue
    }
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      if (inWord) {
        args.push(current)
        current = ''
        inWord = false
      }
      i++
      continue
    }
    inWord = true
    if (ch === '"' || ch === "'") {
      quote = ch
      i++
      continue
    }
    if (ch === '\\') {
      const next = line[i + 1]
      if (next === undefined) {
        danglingEscape = true
        i++
        continue
      }
      current += next
      i += 2
      continue
    }
    current += ch
    i++
  }
  return { args, current, inWord, openQuote: quote, danglingEscape }
}

/** Parses a complete line; an unterminated quote or a trailing lone backslash is an error. */
export function parseLine(line: string): ParseResult {
  if (line.length > MAX_LINE_CHARS) {
    return { ok: false, error: `line of ${line.length} characters exceeds ${MAX_LINE_CHARS}` }
  }
  const s = scan(line)
  if (s.openQuote !== null) return { ok: false, error: `unterminated ${s.openQuote} quote` }
  if (s.danglingEscape) return { ok: false, error: 'line ends with a lone backslash' }
  const args = s.inWord ? [...s.args, s.current] : s.args
  return { ok: true, args }
}

/** Parses a line that is still being typed (never fails). */
export function parsePartialLine(line: string): PartialLine {
  const s = scan(line.slice(0, MAX_LINE_CHARS))
  return { args: s.args, current: s.inWord ? s.current : '', openQuote: s.openQuote }
}

/** Quotes one argument for display or completion so that parseLine gives it back unchanged. */
export function quoteArg(arg: string): string {
  if (arg !== '' && /^[^\s"'\\]+$/.test(arg)) return arg
  return `"${arg.replace(/(["\\])/g, '\\$1')}"`
}
