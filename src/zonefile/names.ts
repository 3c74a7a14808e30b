/**
 * Domain names in master files (pure): `@`, relative names completed with the origin (RFC 1035
 * 5.1), which RDATA fields are names (so they can be made absolute on import and export), and
 * non-ASCII bytes spelled `\DDD` on export (zone parsers such as Knot's read names as ASCII).
 */
export { reverseName } from '../store/reverse-name.js'
import { rrTypeByMnemonic, type RdataShape } from '../store/rr-types.js'

/** Positions of the domain-name fields in a value, by RDATA shape (store/rr-types.ts). */
const NAME_FIELDS_BY_SHAPE: Partial<Record<RdataShape, readonly number[]>> = {
  name: [0],
  mx: [1],
  srv: [3],
  soa: [0, 1],
  naptr: [5],
  svcb: [1],
}

/** Name fields of storable types without a shape (stored, answered only in `\#` form; RFC 1035 3.3, 1183, 2163, 2230, 4034, 6742). */
const NAME_FIELDS_BY_TYPE: Readonly<Record<string, readonly number[]>> = {
  MB: [0], MD: [0], MF: [0], MG: [0], MR: [0], MINFO: [0, 1], RP: [0, 1], AFSDB: [1], RT: [1], KX: [1], PX: [1, 2], LP: [1], NSEC: [0], RRSIG: [7],
}

/** Indexes of the fields of a `type` value that are domain names; none for RFC 3597 `\#` values. */
export function nameFields(type: string, firstField: string | undefined): readonly number[] {
  if (firstField === '\\#') return []
  const t = rrTypeByMnemonic(type)
  if (!t) return []
  return (t.shape !== undefined ? NAME_FIELDS_BY_SHAPE[t.shape] : undefined) ?? NAME_FIELDS_BY_TYPE[t.mnemonic] ?? []
}

/** True when the name text ends with an unescaped dot (an absolute name). */
export function isAbsolute(text: string): boolean {
  if (!text.endsWith('.')) return false
  let slashes = 0
  for (let i = text.length - 2; i >= 0 && text[i] === '\\'; i--) slashes++
  return slashes % 2 === 0
}

/** `origin` as an absolute name with its trailing dot ("." for the root). */
export function absoluteOrigin(origin: string): string {
  const o = origin.trim()
  if (o === '' || o === '.') return '.'
  return isAbsolute(o) ? o : `${o}.`
}

/** A name field made absolute: `@` is the origin, a relative name gets `.origin` appended. */
export function qualify(text: string, origin: string): string {
  if (text === '@') return origin
  if (isAbsolute(text)) return text
  return origin === '.' ? `${text}.` : `${text}.${origin}`
}

/**
 * Decodes `\DDD` runs of bytes >= 128 that form valid UTF-8 back into characters (the export
 * writes non-ASCII that way), so `caf\195\169.example.` reads as `café.example.`. Other escapes stay.
 */
export function decodeUtf8Escapes(text: string): string {
  if (!text.includes('\\')) return text
  return text.replace(/(?:\\(?:1[2-9]\d|2[0-4]\d|25[0-5]))+/g, (run) => {
    const bytes = Buffer.from(run.split('\\').slice(1).map(Number))
    const s = bytes.toString('utf8')
    return Buffer.from(s, 'utf8').equals(bytes) ? s : run
  })
}

/** Non-ASCII characters of a name spelled as `\DDD` per UTF-8 byte. */
export function escapeNonAscii(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return text
  let out = ''
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) out += ch
    else for (const b of Buffer.from(ch, 'utf8')) out += `\\${String(b).padStart(3, '0')}`
  }
  return out
}
