/**
 * SVCB and HTTPS RDATA (RFC 9460): presentation tokens -> wire bytes. Pure: no I/O.
 * `priority target key=value ...`; params are written in ascending key order (RFC 9460 2.2), each once.
 */
import { canonicalIp } from '../../store/record.js'
import type { Token } from './presentation.js'

/** RFC 9460 14.3.2: the SvcParamKeys registry (keyNNNNN spells any other). */
const KEYS: Record<string, number> = {
  mandatory: 0, alpn: 1, 'no-default-alpn': 2, port: 3, ipv4hint: 4, ech: 5, ipv6hint: 6, dohpath: 7, ohttp: 8,
}
/** Keys that take no value (RFC 9460 7.1.1, RFC 9540 4). */
const NO_VALUE = new Set([2, 8])

function keyNumber(name: string): number | undefined {
  const known = KEYS[name.toLowerCase()]
  if (known !== undefined) return known
  const m = /^key(\d{1,5})$/.exec(name)
  const n = m ? Number(m[1]) : NaN
  return n <= 65535 ? n : undefined // RFC 9460 2.1: key65535 is reserved but presentable
}

/**
 * RFC 9460 A.1: a comma-separated value list, taken from the value's octets after the zone-file
 * escapes are resolved; there a backslash keeps the next octet (`\,` a comma inside an item).
 */
function valueList(bytes: Buffer): Buffer[] | undefined {
  const items: number[][] = [[]]
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]
    if (b === 0x5c) {
      if (i + 1 >= bytes.length) return undefined
      items[items.length - 1].push(bytes[++i])
    } else if (b === 0x2c) items.push([])
    else items[items.length - 1].push(b)
  }
  return items.map((i) => Buffer.from(i))
}

function u16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2)
  b.writeUInt16BE(n, 0)
  return b
}

/** The wire value of one param, or undefined when it is not valid for its key. */
function paramValue(key: number, raw: string | undefined, bytes: Buffer | undefined): Buffer | undefined {
  if (NO_VALUE.has(key)) return raw === undefined || raw === '' ? Buffer.alloc(0) : undefined
  if (raw === undefined || bytes === undefined) return key > 8 ? Buffer.alloc(0) : undefined
  switch (key) {
    case 0: {
      const keys = raw.split(',').map(keyNumber)
      if (keys.some((k) => k === undefined || k === 0)) return undefined
      const sorted = (keys as number[]).sort((a, b) => a - b)
      if (sorted.some((k, i) => i > 0 && sorted[i - 1] === k)) return undefined
      return Buffer.concat(sorted.map(u16))
    }
    case 1: {
      const ids = valueList(bytes)
      if (!ids || ids.some((id) => id.length === 0 || id.length > 255)) return undefined
      return Buffer.concat(ids.flatMap((id) => [Buffer.from([id.length]), id]))
    }
    case 3:
      return /^\d{1,5}$/.test(raw) && Number(raw) <= 65535 ? u16(Number(raw)) : undefined
    case 4:
    case 6: {
      const out: Buffer[] = []
      for (const ip of raw.split(',')) {
        const canon = canonicalIp(ip)
        if (!canon || canon.includes(':') !== (key === 6)) return undefined
        out.push(key === 4 ? Buffer.from(canon.split('.').map(Number)) : Buffer.from(canon.replace(/:/g, ''), 'hex'))
      }
      return Buffer.concat(out)
    }
    case 5:
      return /^[A-Za-z0-9+/]+={0,2}$/.test(raw) && raw.length % 4 === 0 ? Buffer.from(raw, 'base64') : undefined
    default:
      return bytes // dohpath (RFC 9461) and keyNNNNN: the value's octets
  }
}

/** Splits the params into (key, raw value text, decoded bytes), joining `key="quoted value"` pairs. */
function params(tokens: Token[]): [number, Buffer][] | undefined {
  const out: [number, Buffer][] = []
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]
    if (tok.quoted) return undefined
    const eq = tok.text.indexOf('=')
    const name = eq < 0 ? tok.text : tok.text.slice(0, eq)
    let raw = eq < 0 ? undefined : tok.text.slice(eq + 1)
    let bytes = eq < 0 ? undefined : tok.bytes.subarray(Buffer.byteLength(name) + 1)
    if (raw === '' && tokens[i + 1]?.quoted) {
      raw = tokens[i + 1].text
      bytes = tokens[i + 1].bytes
      i++
    }
    const key = keyNumber(name)
    if (key === undefined || out.some(([k]) => k === key)) return undefined // RFC 9460 2.2: each key once
    const value = paramValue(key, raw, bytes)
    if (!value || value.length > 65535) return undefined
    out.push([key, value])
  }
  return out.sort((a, b) => a[0] - b[0])
}

/** SVCB/HTTPS RDATA from its tokens (the target already encoded by the caller), or undefined. */
export function encodeSvcb(tokens: Token[], encodeTarget: (text: string) => Buffer | undefined): Buffer | undefined {
  if (tokens.length < 2 || tokens[0].quoted || !/^\d{1,5}$/.test(tokens[0].text)) return undefined
  const priority = Number(tokens[0].text)
  const target = tokens[1].quoted ? undefined : encodeTarget(tokens[1].text)
  if (priority > 65535 || !target) return undefined
  const ps = params(tokens.slice(2))
  // RFC 9460 2.4.2: AliasMode (priority 0) carries no params
  if (!ps || (priority === 0 && ps.length > 0)) return undefined
  return Buffer.concat([u16(priority), target, ...ps.flatMap(([k, v]) => [u16(k), u16(v.length), v])])
}

const KEY_NAMES = Object.fromEntries(Object.entries(KEYS).map(([k, v]) => [v, k])) as Record<number, string>

/** A character-string for presentation (without quotes): `"` and `\` escaped, non-printables as \DDD. */
function escaped(bytes: Buffer): string {
  let s = ''
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) s += '\\' + String.fromCharCode(b)
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b)
    else s += '\\' + String(b).padStart(3, '0')
  }
  return s
}

/** One value-list item (RFC 9460 A.1): `,` and `\` escaped for the list, then for the zone file. */
function listItem(bytes: Buffer): string {
  return escaped(bytes).replace(/\\\\/g, '\\\\\\\\').replace(/,/g, '\\\\,')
}

/** The uncompressed name at `at` as absolute presentation text (`.` for the root) and where it ends. */
function targetText(b: Buffer, at: number): { text: string; end: number } | undefined {
  const labels: string[] = []
  let i = at
  for (;;) {
    if (i >= b.length) return undefined
    const len = b[i]
    if (len === 0) break
    if (len > 63 || i + 1 + len > b.length) return undefined
    labels.push(escaped(b.subarray(i + 1, i + 1 + len)).replace(/\./g, '\\.').replace(/ /g, '\\032'))
    i += 1 + len
  }
  return { text: labels.length === 0 ? '.' : labels.join('.') + '.', end: i + 1 }
}

/** RFC 5952 text of 16 address bytes: lower-case, no leading zeros, the longest zero run as `::`. */
function ipv6Text(b: Buffer): string {
  const groups: number[] = []
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i))
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) (best = i), (bestLen = j - i)
    i = j === i ? i + 1 : j
  }
  const hex = groups.map((g) => g.toString(16))
  if (best < 0) return hex.join(':')
  return hex.slice(0, best).join(':') + '::' + hex.slice(best + bestLen).join(':')
}

/** Presentation text of one param value, or undefined when its wire form is malformed. */
function formatParam(key: number, v: Buffer): string | undefined {
  const name = KEY_NAMES[key] ?? 'key' + key
  if (NO_VALUE.has(key)) return v.length === 0 ? name : undefined
  switch (key) {
    case 0: {
      if (v.length % 2 !== 0) return undefined
      const keys: string[] = []
      for (let i = 0; i < v.length; i += 2) keys.push(KEY_NAMES[v.readUInt16BE(i)] ?? 'key' + v.readUInt16BE(i))
      return `${name}=${keys.join(',')}`
    }
    case 1: {
      const ids: Buffer[] = []
      for (let i = 0; i < v.length; i += 1 + v[i]) {
        if (v[i] === 0 || i + 1 + v[i] > v.length) return undefined
        ids.push(v.subarray(i + 1, i + 1 + v[i]))
      }
      return `${name}="${ids.map(listItem).join(',')}"`
    }
    case 3:
      return v.length === 2 ? `${name}=${v.readUInt16BE(0)}` : undefined
    case 4:
      if (v.length === 0 || v.length % 4 !== 0) return undefined
      return `${name}=` + Array.from({ length: v.length / 4 }, (_, i) => [...v.subarray(i * 4, i * 4 + 4)].join('.')).join(',')
    case 6:
      if (v.length === 0 || v.length % 16 !== 0) return undefined
      return `${name}=` + Array.from({ length: v.length / 16 }, (_, i) => ipv6Text(v.subarray(i * 16, i * 16 + 16))).join(',')
    case 5:
      return `${name}=${v.toString('base64')}`
    default:
      return v.length === 0 ? name : `${name}="${escaped(v)}"`
  }
}

/**
 * Presentation text of SVCB/HTTPS RDATA (RFC 9460 2.1), e.g. `1 . alpn="h2,h3" port=8443`; undefined
 * when the RDATA is malformed (the caller falls back to the RFC 3597 generic form).
 */
export function formatSvcb(rdata: Buffer): string | undefined {
  if (rdata.length < 3) return undefined
  const target = targetText(rdata, 2)
  if (!target) return undefined
  const parts = [String(rdata.readUInt16BE(0)), target.text]
  let prev = -1
  for (let i = target.end; i < rdata.length; ) {
    if (i + 4 > rdata.length) return undefined
    const key = rdata.readUInt16BE(i)
    const len = rdata.readUInt16BE(i + 2)
    if (key <= prev || i + 4 + len > rdata.length) return undefined // RFC 9460 2.2: strictly increasing keys
    const text = formatParam(key, rdata.subarray(i + 4, i + 4 + len))
    if (text === undefined) return undefined
    parts.push(text)
    prev = key
    i += 4 + len
  }
  return parts.join(' ')
}
