/**
 * Name keys for local answers: one spelling per DNS name, the lower-cased presentation form the
 * query parser produces (`\.` and `\\` escaped, bytes outside 0x21..0x7e as `\DDD`, no trailing
 * dot, '' = root). Every owner and target is turned into this form once, so two spellings of one
 * name (`Host.example.com.`, `host.example.com`, `ho\115t.example.com`) are one node (RFC 2181 5).
 * Pure: no I/O.
 */
import { encodeName } from '../wire/rdata.js'

/** Key of wire labels in `buf` from `start` (uncompressed, ends at the zero label or `end`). */
export function keyOfWire(buf: Buffer, start = 0, end = buf.length): string {
  let s = ''
  let i = start
  while (i < end) {
    const len = buf[i++]
    if (len === 0) break
    if (s !== '') s += '.'
    for (let j = 0; j < len; j++) {
      let b = buf[i + j]
      if (b >= 0x41 && b <= 0x5a) b |= 0x20
      if (b === 0x2e || b === 0x5c) s += '\\' + String.fromCharCode(b)
      else if (b > 0x20 && b < 0x7f) s += String.fromCharCode(b)
      else s += '\\' + String(b).padStart(3, '0') // RFC 1035 5.1 \DDD
    }
    i += len
  }
  return s
}

/** The key of a name in presentation form (escapes honoured, origin "."), or undefined if it is not a valid name. */
export function nameKeyOf(text: string): string | undefined {
  const wire = encodeName(text.trim())
  return wire ? keyOfWire(wire) : undefined
}

/**
 * Offset of the first label separator of a key (a `.` that is not part of an escape), or -1.
 * `dot\.inside.example` has its first separator after `inside`, not inside the label.
 */
function firstSeparator(key: string): number {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    if (c === 0x5c) i += key.charCodeAt(i + 1) >= 0x30 && key.charCodeAt(i + 1) <= 0x39 ? 3 : 1
    else if (c === 0x2e) return i
  }
  return -1
}

/** The parent of a key ('' for a single label); undefined for the root. */
export function parentKey(key: string): string | undefined {
  if (key === '') return undefined
  const dot = firstSeparator(key)
  return dot < 0 ? '' : key.slice(dot + 1)
}

/** The leftmost label of a key (escapes kept). */
export function firstLabel(key: string): string {
  const dot = firstSeparator(key)
  return dot < 0 ? key : key.slice(0, dot)
}

/** True when `key` is `ancestor` or below it, label by label (`a\\.b.c` is not below `b.c`). */
export function isAtOrBelow(key: string, ancestor: string): boolean {
  if (ancestor === '' || key === ancestor) return true
  if (!key.endsWith('.' + ancestor)) return false
  for (let k: string | undefined = key; k !== undefined && k.length >= ancestor.length; k = parentKey(k)) if (k === ancestor) return true
  return false
}

/** The key with the suffix `from` (an ancestor) replaced by `to` (RFC 6672 2.2 DNAME substitution). */
export function replaceSuffix(key: string, from: string, to: string): string {
  const prefix = from === '' ? key : key.slice(0, key.length - from.length - 1)
  return to === '' ? prefix : prefix + '.' + to
}
