/**
 * CHAOS-class TXT answers that identify the node behind a shared address (RFC 4892): id.server and
 * hostname.bind give the node id, version.server and version.bind the version. Pure.
 */
import { TYPE_ANY, TYPE_TXT } from '../../store/rr-types.js'
import { type ParsedQuery, type WireRR } from '../wire/wire.js'

const CLASS_CH = 3
const IDENTITY_NAMES = new Set(['id.server', 'hostname.bind'])
const VERSION_NAMES = new Set(['version.server', 'version.bind'])

/** The CH TXT RR answering `q` (owner = question name, TTL 0 as Knot gives), or undefined (REFUSED). */
export function chaosAnswer(q: ParsedQuery, o: { chaosIdentity?: string | (() => string); chaosVersion?: string }): WireRR | undefined {
  if (q.qtype !== TYPE_TXT && q.qtype !== TYPE_ANY) return undefined
  const id = typeof o.chaosIdentity === 'function' ? o.chaosIdentity() : o.chaosIdentity
  const text = IDENTITY_NAMES.has(q.qkey) ? id : VERSION_NAMES.has(q.qkey) ? o.chaosVersion : undefined
  if (text === undefined || text === '') return undefined
  const value = Buffer.from(text, 'utf8').subarray(0, 255)
  const body = Buffer.alloc(11 + value.length)
  body.writeUInt16BE(TYPE_TXT, 0)
  body.writeUInt16BE(CLASS_CH, 2)
  body.writeUInt32BE(0, 4)
  body.writeUInt16BE(value.length + 1, 8)
  body[10] = value.length
  value.copy(body, 11)
  return { name: q.qkey, body }
}
