/**
 * NOTIFY (RFC 1996) messages: the query we send to a secondary when a zone's serial moves, the reading of
 * its reply, and the parsing of `zone_also_notify` entries. Pure.
 */
import { encodeName } from '../wire/rdata.js'
import { encodeResponse } from '../wire/encode-response.js'
import type { WireRR } from '../wire/wire.js'
import { canonicalIp } from '../../store/record.js'
import { nameKey } from '../../store/record.js'
import { TYPE_SOA } from '../../store/rr-types.js'

/** RFC 1996 3: opcode NOTIFY. */
export const OPCODE_NOTIFY = 4

export interface NotifyTarget {
  /** Zone apex (lookup key), or undefined = every zone. */
  zone: string | undefined
  host: string
  port: number
  /** `host:port` as logged. */
  label: string
  /** Name (lookup key) of the tsig_keys key that signs NOTIFYs to this target (RFC 8945), or undefined = unsigned. */
  key?: string
}

/**
 * Parses `zone_also_notify` entries: `"ADDRESS[:PORT]"` (every zone) or `"ZONE ADDRESS[:PORT]"`; an IPv6
 * address with a port is written `[2001:db8::1]:5300`. Returns the targets and the entries it could not read.
 */
export function parseNotifyTargets(entries: readonly string[]): { targets: NotifyTarget[]; invalid: string[] } {
  const targets: NotifyTarget[] = []
  const invalid: string[] = []
  for (const raw of entries) {
    const parts = raw.trim().split(/\s+/)
    // optional trailing `key=NAME`: sign with that TSIG key
    const keyName = parts.length > 1 && parts[parts.length - 1].startsWith('key=') ? nameKey((parts.pop() as string).slice(4)) : undefined
    if (keyName === '') {
      invalid.push(raw)
      continue
    }
    const zone = parts.length === 2 ? nameKey(parts[0]) : undefined
    const addr = parseHostPort(parts[parts.length - 1] ?? '')
    if (parts.length > 2 || !addr || (parts.length === 2 && encodeName(parts[0]) === undefined)) {
      invalid.push(raw)
      continue
    }
    const label = addr.host.includes(':') ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`
    targets.push(keyName === undefined ? { zone, ...addr, label } : { zone, ...addr, label, key: keyName })
  }
  return { targets, invalid }
}

function parseHostPort(text: string): { host: string; port: number } | undefined {
  let host = text
  let port = '53'
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text)
  if (v6) {
    host = v6[1]
    port = v6[2] ?? '53'
  } else if ((text.match(/:/g) ?? []).length === 1) {
    ;[host, port] = text.split(':')
  }
  const n = Number(port)
  if (!canonicalIp(host) || !/^\d{1,5}$/.test(port) || n < 1 || n > 65535) return undefined
  return { host, port: n }
}

/** The NOTIFY query for `zone` with its current SOA in the answer section (RFC 1996 3.7). */
export function notifyMessage(id: number, zone: string, soa: WireRR): Buffer {
  const owner = encodeName(zone) as Buffer
  const question = Buffer.alloc(owner.length + 4)
  owner.copy(question)
  question.writeUInt16BE(TYPE_SOA, owner.length)
  question.writeUInt16BE(1, owner.length + 2)
  // QR=0, opcode NOTIFY, AA=1 (RFC 1996 3.7)
  const flags = (OPCODE_NOTIFY << 11) | 0x0400
  return encodeResponse({ id, flags, question, answers: [soa], authorities: [] })
}

/** Reads a reply to our NOTIFY: its id and rcode, or undefined when it is not a NOTIFY response. */
export function notifyReply(msg: Buffer): { id: number; rcode: number } | undefined {
  if (msg.length < 12) return undefined
  const flags = msg.readUInt16BE(2)
  if ((flags & 0x8000) === 0 || ((flags >> 11) & 0x0f) !== OPCODE_NOTIFY) return undefined
  return { id: msg.readUInt16BE(0), rcode: flags & 0x0f }
}
