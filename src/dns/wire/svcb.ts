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
