/**
 * The JSON pieces every message codec shares: Go-compatible output (goString, int) and field
 * readers for untrusted objects that throw FieldError naming the key. Pure.
 */

/** A field of a received message is missing or malformed; parseMessage turns it into `invalid_fields`. */
export class FieldError extends Error {}

/** Most capabilities accepted in one handshake frame. */
export const MAX_CAPS = 32

/** A safe integer as JSON; throws RangeError otherwise (a bug on our side, never peer input). */
export function int(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${n}`)
  return String(n)
}

/**
 * A JSON string literal as Go's encoding/json writes it: HTML-sensitive <, >, & and U+2028/2029
 * escaped as \u00XX/\u20XX, \b \f \n \r \t short forms (Go >= 1.22), other controls as \u00XX,
 * and a lone surrogate as \ufffd (Go replaces invalid UTF-8 the same way).
 */
export function goString(s: string): string {
  let out = '"'
  let from = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    let esc: string | undefined
    if (c < 0x20) esc = SHORT_ESCAPES[c] ?? '\\u00' + c.toString(16).padStart(2, '0')
    else if (c === 0x22) esc = '\\"'
    else if (c === 0x5c) esc = '\\\\'
    else if (c === 0x3c) esc = '\\u003c'
    else if (c === 0x3e) esc = '\\u003e'
    else if (c === 0x26) esc = '\\u0026'
    else if (c === 0x2028) esc = '\\u2028'
    else if (c === 0x2029) esc = '\\u2029'
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++
        continue
      }
      esc = '\\ufffd'
    } else if (c >= 0xdc00 && c <= 0xdfff) esc = '\\ufffd'
    if (esc !== undefined) {
      out += s.slice(from, i) + esc
      from = i + 1
    }
  }
  return out + s.slice(from) + '"'
}

const SHORT_ESCAPES: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' }

/** `"caps":[...]` after a comma, or '' when there are none (omitempty). */
export function capsField(caps: readonly string[] | undefined): string {
  return caps && caps.length > 0 ? `,"caps":[${caps.map(goString).join(',')}]` : ''
}

export function optCaps(o: Record<string, unknown>): string[] | undefined {
  const caps = o.caps
  if (caps === undefined || caps === null) return undefined
  if (!Array.isArray(caps) || caps.length > MAX_CAPS || !caps.every((c) => typeof c === 'string' && c.length <= 64)) {
    throw new FieldError(`caps: must be an array of at most ${MAX_CAPS} short strings`)
  }
  return caps as string[]
}

export function reqString(o: Record<string, unknown>, k: string): string {
  const v = optString(o, k)
  if (v === undefined) throw new FieldError(`${k}: is required`)
  return v
}

export function reqInteger(o: Record<string, unknown>, k: string, min: number, max: number): number {
  const v = optInteger(o, k, min, max)
  if (v === undefined) throw new FieldError(`${k}: is required`)
  return v
}

export function boundedString(v: string, k: string, max: number): string {
  if (v.length > max) throw new FieldError(`${k}: longer than ${max} characters`)
  return v
}

export function optString(o: Record<string, unknown>, k: string): string | undefined {
  const v = o[k]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw new FieldError(`${k}: must be a string`)
  return v
}

export function optInteger(o: Record<string, unknown>, k: string, min: number, max: number): number | undefined {
  const v = o[k]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new FieldError(`${k}: must be an integer in ${min}..${max}`)
  }
  return v
}

/** A node id (or nonce, proof) of at most 256 characters. */
export function reqId(o: Record<string, unknown>, k: string): string {
  return boundedString(reqString(o, k), k, 256)
}
