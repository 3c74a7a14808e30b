/**
 * THE presentation-format tokenizer (RFC 1035 5.1): record values, the records file, the API, the
 * cache file and local answers all split RDATA text here. Pure: no I/O.
 */

/** One presentation token: `quoted` tells `"a b"` apart from a bare word. */
export interface Token {
  /** Decoded bytes (escapes resolved), for character-strings. */
  bytes: Buffer
  /** Raw text between the quotes (or the bare word) with escapes kept, for names and numbers. */
  text: string
  quoted: boolean
}

/** Tokens, or why the text cannot be split (`has an unclosed quote`, `has a bad escape`). */
export type TokenizeResult = { ok: true; tokens: Token[] } | { ok: false; problem: string }

const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39
// space, tab, LF, CR and the parentheses that continue a master-file line
const isBlank = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x28 || b === 0x29

/**
 * Splits presentation text into tokens: whitespace separated, `"..."` quoting, `\X` and `\DDD`
 * escapes (RFC 1035 5.1: DDD a decimal octet 0..255), parentheses ignored, `;` starts a comment
 * that runs to the end. A `"` ends a bare word and opens a quoted string.
 */
export function tokenizePresentation(value: string): TokenizeResult {
  const out: Token[] = []
  const bytes = Buffer.from(value, 'utf8')
  let i = 0
  const n = bytes.length
  while (i < n) {
    const c = bytes[i]
    if (isBlank(c)) {
      i++
      continue
    }
    if (c === 0x3b) break
    const quoted = c === 0x22
    if (quoted) i++
    const buf: number[] = []
    const start = i
    let closed = !quoted
    while (i < n) {
      const b = bytes[i]
      if (quoted && b === 0x22) {
        closed = true
        i++
        break
      }
      if (!quoted && (isBlank(b) || b === 0x3b || b === 0x22)) break
      if (b === 0x5c) {
        if (i + 1 >= n) return { ok: false, problem: 'has a bad escape (a "\\" at the end)' }
        const d1 = bytes[i + 1]
        if (isDigit(d1)) {
          const d2 = bytes[i + 2]
          const d3 = bytes[i + 3]
          if (!isDigit(d2) || !isDigit(d3)) return { ok: false, problem: 'has a bad escape ("\\" and a digit must be "\\DDD")' }
          const v = (d1 - 0x30) * 100 + (d2 - 0x30) * 10 + (d3 - 0x30)
          if (v > 255) return { ok: false, problem: `has a bad escape ("\\${v}" is over 255)` }
          buf.push(v)
          i += 4
        } else {
          buf.push(d1)
          i += 2
        }
        continue
      }
      buf.push(b)
      i++
    }
    if (!closed) return { ok: false, problem: 'has an unclosed quote' }
    const text = bytes.toString('utf8', start, quoted ? i - 1 : i)
    out.push({ bytes: Buffer.from(buf), text, quoted })
  }
  return { ok: true, tokens: out }
}

/** The tokens of `value`, or undefined when it does not tokenize (see tokenizePresentation). */
export function tokenize(value: string): Token[] | undefined {
  const r = tokenizePresentation(value)
  return r.ok ? r.tokens : undefined
}
