/** The answer records of a blocked question (the original: A 0.0.0.0, AAAA ::, TTL 300, AA=1). */
import type { Answer } from 'dns-packet'
import type { WireRR } from '../wire/wire.js'

export const BLOCKED_TTL = 300
const TYPE_A = 1
const TYPE_AAAA = 28

/**
 * A -> 0.0.0.0, AAAA -> ::; any other type gets no records (NODATA) rather than the upstream's answer,
 * so that e.g. HTTPS/SVCB address hints cannot bypass the block. `toWire` encodes one record.
 */
export function blockedAnswer(qname: string, qtype: number, toWire: (a: Answer) => WireRR | undefined): WireRR[] {
  const data = qtype === TYPE_A ? '0.0.0.0' : qtype === TYPE_AAAA ? '::' : undefined
  if (data === undefined) return []
  const rr = toWire({ name: qname, type: qtype === TYPE_A ? 'A' : 'AAAA', class: 'IN', ttl: BLOCKED_TTL, data })
  return rr ? [rr] : []
}
