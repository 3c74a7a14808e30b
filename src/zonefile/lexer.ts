/**
 * RFC 1035 5.1 master-file lexer (pure): text -> entries, one per logical line. Handles `;`
 * comments, `"..."` strings, `\X` / `\DDD` escapes (kept as written: names and RDATA are decoded
 * later by the codec's tokenizer), and parentheses that continue an entry over several lines.
 * An entry that starts with a blank has no owner (the previous one applies).
 */

/** One field as written: `text` keeps escapes; `quoted` fields were inside `"..."`. */
export interface ZoneToken {
  text: string
  quoted: boolean
  /** Written right after the previous field with no blank between (`alpn="h2,h3"`). */
  joined?: boolean
}

/** One logical line: its first physical line, whether it began with a blank, and its fields. */
export interface ZoneEntry {
  line: number
  blankStart: boolean
  tokens: ZoneToken[]
}

export type LexResult = { ok: true; entries: ZoneEntry[] } | { ok: false; line: number; reason: string }

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r'

/** Splits a master file into entries; the first problem (unclosed quote or parenthesis) ends it. */
export function lexZone(text: string): LexResult {
  const entries: ZoneEntry[] = []
  let line = 1
  let depth = 0
  let parenLine = 0
  let current: ZoneEntry | undefined
  let atLineStart = true
  let i = 0
  const n = text.length
  const finish = (): void => {
    if (current && current.tokens.length > 0) entries.push(current)
    current = undefined
  }
  while (i < n) {
    const c = text[i]
    if (c === '\n') {
      line++
      i++
      if (depth === 0) {
        finish()
        atLineStart = true
      }
      continue
    }
    if (atLineStart && depth === 0) {
      current = { line, blankStart: isSpace(c), tokens: [] }
      atLineStart = false
    }
    if (isSpace(c)) {
      i++
      continue
    }
    if (c === ';') {
      while (i < n && text[i] !== '\n') i++
      continue
    }
    if (c === '(') {
      if (depth === 0) parenLine = line
      depth++
      i++
      continue
    }
    if (c === ')') {
      if (depth === 0) return { ok: false, line, reason: 'unbalanced ")"' }
      depth--
      i++
      continue
    }
    const entry = current as ZoneEntry
    const joined = i > 0 && entry.tokens.length > 0 && !isSpace(text[i - 1]) && text[i - 1] !== '\n' && text[i - 1] !== '(' && text[i - 1] !== ')'
    if (c === '"') {
      const start = ++i
      let closed = false
      while (i < n) {
        const d = text[i]
        if (d === '\\') {
          if (text[i + 1] === '\n') line++
          i += 2
          continue
        }
        if (d === '"') {
          closed = true
          break
        }
        if (d === '\n') line++
        i++
      }
      if (!closed) return { ok: false, line: entry.line, reason: 'unclosed quote' }
      entry.tokens.push(joined ? { text: text.slice(start, i), quoted: true, joined } : { text: text.slice(start, i), quoted: true })
      i++
      continue
    }
    const start = i
    while (i < n) {
      const d = text[i]
      if (d === '\\') {
        i += 2
        continue
      }
      if (isSpace(d) || d === '\n' || d === ';' || d === '(' || d === ')' || d === '"') break
      i++
    }
    entry.tokens.push({ text: text.slice(start, Math.min(i, n)), quoted: false })
  }
  if (depth > 0) return { ok: false, line: parenLine, reason: 'unclosed "("' }
  finish()
  return { ok: true, entries }
}
