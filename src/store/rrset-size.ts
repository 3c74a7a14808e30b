/**
 * Whether an RRset still fits one DNS reply over TCP (issue #10 item 11): a write that would make
 * the answer for a name and type larger than 65,535 bytes is refused, because such an answer can
 * never be sent. Sizes come from the encoder the answers use (dns/rdata.ts). Pure.
 */
import { DnsplaneError } from '../errors.js'
import { encodeName, encodeRdata } from '../dns/wire/rdata.js'
import { nameKey, type DnsRecord } from './record.js'

/** RFC 1035 4.2.2: a TCP message is at most 65,535 bytes (2-byte length prefix). */
export const MAX_TCP_REPLY_BYTES = 65_535
const HEADER_BYTES = 12
/** The OPT record a reply to an EDNS query carries (RFC 6891 6.1.2, no options). */
const OPT_BYTES = 11
/** Owner compressed to the question (2) plus TYPE, CLASS, TTL, RDLENGTH (10). */
const RR_FIXED_BYTES = 12

/**
 * Bytes of the reply to a `type` query for `name` that carries every record of that RRset in
 * `records`: header, question, each answer (owner as a pointer to the question) and an OPT.
 * Records whose value cannot be encoded are not answered and not counted.
 */
export function rrsetReplyBytes(records: readonly DnsRecord[], name: string, type: string): number {
  const key = nameKey(name)
  const upper = type.toUpperCase()
  let size = HEADER_BYTES + (encodeName(key)?.length ?? 255) + 4 + OPT_BYTES
  for (const r of records) {
    if (r.type.toUpperCase() !== upper || nameKey(r.name) !== key) continue
    const rdata = encodeRdata(r.type, r.value)
    if (rdata) size += RR_FIXED_BYTES + rdata.length
  }
  return size
}

/** Throws ERR_RECORD_INVALID when `rec`'s RRset in `records` (which contains it) no longer fits one TCP reply. */
export function assertRrsetFits(records: readonly DnsRecord[], rec: DnsRecord): void {
  const bytes = rrsetReplyBytes(records, rec.name, rec.type)
  if (bytes > MAX_TCP_REPLY_BYTES) {
    throw new DnsplaneError(
      'ERR_RECORD_INVALID',
      `value: the ${rec.type.toUpperCase()} records of ${rec.name.slice(0, 253)} would need a ${bytes}-byte DNS reply, more than the ${MAX_TCP_REPLY_BYTES} bytes of a TCP message, so they could never be answered`,
    )
  }
}
