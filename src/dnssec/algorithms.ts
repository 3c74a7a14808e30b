/**
 * DNSSEC signature algorithms with node:crypto: the DNSKEY public-key wire forms (RFC 3110 RSA,
 * RFC 6605 ECDSA, RFC 8080 Ed25519) as KeyObjects, and signing and verifying in the wire format of
 * the RRSIG signature field (RSA PKCS#1 v1.5; ECDSA as raw r||s, not DER, RFC 6605 4). Pure.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'

/** The algorithm numbers we sign and verify (IANA "DNS Security Algorithm Numbers"). */
export type DnssecAlgorithm = 8 | 10 | 13 | 14 | 15

interface AlgorithmInfo {
  mnemonic: string
  /** node:crypto digest; null for Ed25519, which hashes internally. */
  digest: string | null
  kind: 'rsa' | 'ec' | 'ed25519'
  /** EC curve (JWK name) and the byte length of one coordinate / scalar. */
  curve?: 'P-256' | 'P-384'
  size?: number
}

const ALGORITHMS: Readonly<Record<DnssecAlgorithm, AlgorithmInfo>> = Object.freeze({
  8: { mnemonic: 'RSASHA256', digest: 'sha256', kind: 'rsa' },
  10: { mnemonic: 'RSASHA512', digest: 'sha512', kind: 'rsa' },
  13: { mnemonic: 'ECDSAP256SHA256', digest: 'sha256', kind: 'ec', curve: 'P-256', size: 32 },
  14: { mnemonic: 'ECDSAP384SHA384', digest: 'sha384', kind: 'ec', curve: 'P-384', size: 48 },
  15: { mnemonic: 'ED25519', digest: null, kind: 'ed25519', size: 32 },
})

/** Every algorithm we support, in number order. */
export const DNSSEC_ALGORITHMS: readonly DnssecAlgorithm[] = Object.freeze([8, 10, 13, 14, 15])

export function isSupportedAlgorithm(alg: number): alg is DnssecAlgorithm {
  return Object.prototype.hasOwnProperty.call(ALGORITHMS, alg)
}

/** The IANA mnemonic (`ECDSAP256SHA256`), or `ALG<n>` for one we do not support. */
export function algorithmMnemonic(alg: number): string {
  return isSupportedAlgorithm(alg) ? ALGORITHMS[alg].mnemonic : 'ALG' + alg
}

function b64u(b: Buffer): string {
  return b.toString('base64url')
}

/** RFC 3110 2: exponent length (1 byte, or 0 then 2 bytes), exponent, modulus. */
function rsaParts(pub: Buffer): { e: Buffer; n: Buffer } | undefined {
  if (pub.length < 3) return undefined
  let off = 1
  let elen = pub[0]
  if (elen === 0) {
    elen = pub.readUInt16BE(1)
    off = 3
  }
  if (elen === 0 || off + elen >= pub.length) return undefined
  return { e: pub.subarray(off, off + elen), n: pub.subarray(off + elen) }
}

/** The JWK of a DNSKEY public key field, or undefined when its length or form is wrong. */
function publicJwk(alg: DnssecAlgorithm, pub: Buffer): Record<string, string> | undefined {
  const info = ALGORITHMS[alg]
  if (info.kind === 'rsa') {
    const p = rsaParts(pub)
    return p ? { kty: 'RSA', n: b64u(p.n), e: b64u(p.e) } : undefined
  }
  const size = info.size as number
  if (info.kind === 'ed25519') return pub.length === size ? { kty: 'OKP', crv: 'Ed25519', x: b64u(pub) } : undefined
  // RFC 6605 4: the public key is the uncompressed point without its 0x04 prefix, x then y
  if (pub.length !== 2 * size) return undefined
  return { kty: 'EC', crv: info.curve as string, x: b64u(pub.subarray(0, size)), y: b64u(pub.subarray(size)) }
}

/** A verifying key from a DNSKEY public key field, or undefined when it is malformed. */
export function publicKeyFromDnskey(alg: DnssecAlgorithm, pub: Buffer): KeyObject | undefined {
  const jwk = publicJwk(alg, pub)
  if (!jwk) return undefined
  try {
    return createPublicKey({ key: jwk, format: 'jwk' })
  } catch {
    return undefined
  }
}

/** The DNSKEY public key field of a key (public or private) of algorithm `alg`. */
export function dnskeyPublicKey(alg: DnssecAlgorithm, key: KeyObject): Buffer {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' })
  const info = ALGORITHMS[alg]
  if (info.kind === 'rsa') {
    const e = Buffer.from(jwk.e as string, 'base64url')
    const n = Buffer.from(jwk.n as string, 'base64url')
    const head = e.length < 256 ? Buffer.from([e.length]) : Buffer.from([0, e.length >> 8, e.length & 0xff])
    return Buffer.concat([head, e, n])
  }
  const x = Buffer.from(jwk.x as string, 'base64url')
  return info.kind === 'ed25519' ? x : Buffer.concat([x, Buffer.from(jwk.y as string, 'base64url')])
}

/**
 * The private fields of a BIND private-key file as a signing key. `fields` maps the file's field
 * names (Modulus, PrivateExponent, ... for RSA; PrivateKey for ECDSA and Ed25519) to their bytes;
 * `pub` is the matching DNSKEY public key field (ECDSA and Ed25519 JWKs need the public point).
 * Throws a plain Error naming what is wrong, never the key bytes.
 */
export function privateKeyFromFields(alg: DnssecAlgorithm, fields: ReadonlyMap<string, Buffer>, pub: Buffer): KeyObject {
  const info = ALGORITHMS[alg]
  const jwk = publicJwk(alg, pub)
  if (!jwk) throw new Error(`the public key is not a valid ${info.mnemonic} key`)
  const need = (name: string): string => {
    const v = fields.get(name)
    if (!v || v.length === 0) throw new Error(`field ${name} is missing`)
    return b64u(v)
  }
  if (info.kind === 'rsa') {
    Object.assign(jwk, { d: need('PrivateExponent'), p: need('Prime1'), q: need('Prime2'), dp: need('Exponent1'), dq: need('Exponent2'), qi: need('Coefficient') })
    if (need('Modulus') !== jwk.n) throw new Error('field Modulus does not match the public key')
  } else {
    jwk.d = need('PrivateKey')
  }
  let key: KeyObject
  try {
    key = createPrivateKey({ key: jwk, format: 'jwk' })
  } catch {
    throw new Error(`the private key is not a valid ${info.mnemonic} key`)
  }
  // a private scalar that does not belong to the public key would sign what no one can verify
  const probe = Buffer.from('dnsplane key check')
  if (!verifySignature(alg, pub, probe, signData(alg, key, probe))) throw new Error('the private key does not match the public key')
  return key
}

/** Signs `data` with `key`, giving the RRSIG signature field. */
export function signData(alg: DnssecAlgorithm, key: KeyObject, data: Buffer): Buffer {
  const info = ALGORITHMS[alg]
  return info.kind === 'ec' ? sign(info.digest, data, { key, dsaEncoding: 'ieee-p1363' }) : sign(info.digest, data, key)
}

/**
 * True when `signature` (an RRSIG signature field) signs `data` under the DNSKEY public key field
 * `publicKey`. False for an unsupported algorithm, a malformed key or a signature of the wrong size.
 */
export function verifySignature(alg: number, publicKey: Buffer, data: Buffer, signature: Buffer): boolean {
  if (!isSupportedAlgorithm(alg)) return false
  const info = ALGORITHMS[alg]
  const key = publicKeyFromDnskey(alg, publicKey)
  if (!key) return false
  // RFC 6605 4 / RFC 8080 3: r||s and Ed25519 signatures have a fixed length
  if (info.kind !== 'rsa' && signature.length !== 2 * (info.size as number)) return false
  try {
    return info.kind === 'ec' ? verify(info.digest, data, { key, dsaEncoding: 'ieee-p1363' }, signature) : verify(info.digest, data, key, signature)
  } catch {
    return false
  }
}
