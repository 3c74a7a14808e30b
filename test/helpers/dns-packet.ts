/**
 * Types of dns-packet that @types/dns-packet leaves out or keeps too wide for tests, so tests read
 * replies without casts: the header's rcode/opcode names (dns-packet's decode sets them) and the
 * records of a section without the OPT pseudo-record (which has no `data` or `ttl`).
 */
import type { Answer, OptAnswer } from 'dns-packet'

declare module 'dns-packet' {
  interface DecodedPacket {
    /** 'NOERROR', 'NXDOMAIN', 'SERVFAIL', ... (dns-packet index.js, header decode) */
    rcode: string
    opcode: string
  }
}

/** A resource record of a section (answers, authorities; additionals after OPT is dropped). */
export type Rr = Exclude<Answer, OptAnswer>

/** The records of a section, OPT left out (it only appears in additionals, RFC 6891 6.1.1). */
export function recordsOf(section: readonly Answer[] | undefined): Rr[] {
  return (section ?? []).filter((a): a is Rr => a.type !== 'OPT')
}
