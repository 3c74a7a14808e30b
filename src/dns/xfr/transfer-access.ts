/**
 * Who may transfer a zone: a request signed with a `tsig_keys` key that grants `transfer` on the zone, or
 * an unsigned one from `axfr_allowed_networks`; both need `axfr_enabled`. A signed request gets every
 * message of its answer signed (RFC 8945 5.3.1); a TSIG failure gets NOTAUTH with the TSIG error (RFC 8945
 * 5.2). Pure: time arrives as an argument.
 */
import type { Keyring } from '../tsig/keyring.js'
import { tsigErrorResponse, TsigStreamSigner, verifyRequest } from '../tsig/tsig.js'
import { encodeResponse } from '../wire/encode-response.js'
import { RCODES, responseFlags, type ParsedQuery } from '../wire/wire.js'
import { isAddressAllowed, type Network } from './networks.js'
import { RCODE_NOTAUTH, type TransferAnswer } from './transfer.js'

export interface TransferAccessInput {
  enabled: boolean
  networks: readonly Network[]
  keyring: Keyring
  clientIp: string | undefined
  /** Unix seconds. */
  now: number
}

export type TransferAccess =
  /**
   * Answer the transfer (or refuse it) and pass every message through `sign`, in order; `nowSeconds`
   * (default: the request's time) is the TSIG time of a batch signed later in a long transfer.
   */
  | { kind: 'decide'; allowed: boolean; key?: string; sign: (messages: Buffer[], nowSeconds?: number) => Buffer[] }
  /** The request failed TSIG (or its TSIG is malformed): this is the whole answer. */
  | { kind: 'reply'; answer: TransferAnswer; key?: string }

const unsigned = (m: Buffer[]): Buffer[] => m

export function transferAccess(q: ParsedQuery, msg: Buffer, input: TransferAccessInput): TransferAccess {
  const v = verifyRequest(msg, input.keyring.lookup, input.now)
  if (v.kind === 'unsigned') {
    return { kind: 'decide', allowed: input.enabled && isAddressAllowed(input.networks, input.clientIp), sign: unsigned }
  }
  if (v.kind === 'formerr') {
    return { kind: 'reply', answer: { kind: 'formerr', rcode: RCODES.FORMERR, messages: [bare(q, RCODES.FORMERR)], rrs: 0 } }
  }
  if (v.kind === 'error') {
    const reply = tsigErrorResponse(bare(q, RCODE_NOTAUTH), v, input.now)
    return { kind: 'reply', key: v.tsig.keyName, answer: { kind: 'tsig_error', rcode: RCODE_NOTAUTH, messages: [reply], rrs: 0, tsigError: v.error } }
  }
  const signer = new TsigStreamSigner(v.key, v.tsig.mac, v.tsig.fudge)
  return {
    kind: 'decide',
    key: v.key.name,
    allowed: input.enabled && input.keyring.mayUse(v.key, q.qkey, 'transfer'),
    sign: (messages, nowSeconds = input.now) => messages.map((m) => signer.sign(m, nowSeconds)),
  }
}

/** Header and question only, with `rcode`. */
function bare(q: ParsedQuery, rcode: number): Buffer {
  return encodeResponse({
    id: q.id,
    flags: responseFlags({ opcode: q.opcode, aa: false, tc: false, rd: (q.flags & 0x100) !== 0, ra: false, ad: false, cd: false, rcode }),
    question: q.question,
    answers: [],
    authorities: [],
  })
}
