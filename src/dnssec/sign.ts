/**
 * Signing one RRset (RFC 4034 3, RFC 4035 2.2): the RRSIG RDATA for an owner, type, TTL and RDATAs
 * with a key and a validity window. Pure: the caller passes the times.
 */
import { signData } from './algorithms.js'
import { encodeRrsigRdata, rrsigLabelCount, signingInput, type RrsigFields } from './canonical.js'
import type { SigningKey } from './key-files.js'
import { encodeName } from '../dns/wire/rdata.js'

export interface RRsetToSign {
  /** Owner as an uncompressed wire name: for a wildcard RRset the `*` owner (its label count is the RRSIG's). */
  owner: Buffer
  type: number
  ttl: number
  rdatas: readonly Buffer[]
}

/** Validity window in Unix seconds (RFC 4034 3.1.5: written modulo 2^32). */
export interface SignatureWindow {
  inception: number
  expiration: number
}

/** The RRSIG RDATA over `set` by `key` (whose zone is the signer). */
export function signRRset(set: RRsetToSign, key: SigningKey, window: SignatureWindow): Buffer {
  const fields: RrsigFields = {
    typeCovered: set.type,
    algorithm: key.algorithm,
    labels: rrsigLabelCount(set.owner),
    originalTtl: set.ttl,
    expiration: window.expiration >>> 0,
    inception: window.inception >>> 0,
    keyTag: key.keyTag,
    signer: encodeName(key.zone) as Buffer,
  }
  // the label count comes from the owner itself, so the input always builds
  const input = signingInput(fields, set.owner, set.rdatas) as Buffer
  return encodeRrsigRdata(fields, signData(key.algorithm, key.privateKey, input))
}
