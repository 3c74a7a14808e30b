/** The validator's Crypto bound to src/dnssec's primitives (node:crypto): signing input, signatures, key tags, DS digests. Pure. */
import { encodeName } from '../../dns/wire/rdata.js'
import { isSupportedAlgorithm, verifySignature } from '../algorithms.js'
import { parseRrsigRdata, signingInput } from '../canonical.js'
import { dsDigest, keyTag } from '../keytag.js'
import type { Rr } from './records.js'
import type { Crypto } from './rrset.js'

function verify(rrset: readonly Rr[], sig: Buffer, key: Buffer): boolean {
  const p = parseRrsigRdata(sig)
  const owner = encodeName(rrset[0]?.name ?? '')
  const input = p && owner && signingInput(p.fields, owner, rrset.map((r) => r.rdata))
  return input !== undefined && verifySignature(p!.fields.algorithm, key.subarray(4), input, p!.signature)
}

export const nodeCrypto: Crypto = {
  verify,
  keyTag,
  dsMatches: (owner, key, ds) => (ds.digestType === 2 || ds.digestType === 4) && dsDigest(encodeName(owner) ?? Buffer.from([0]), key, ds.digestType).equals(ds.digest),
  supportsAlgorithm: isSupportedAlgorithm,
  supportsDigest: (t) => t === 2 || t === 4,
}
