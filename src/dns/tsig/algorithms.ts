/**
 * TSIG algorithms (RFC 8945 6): the HMAC names on the wire and their node:crypto digests.
 * HMAC-MD5 is left out on purpose (RFC 8945 6 marks it deprecated; every client we test offers SHA-2).
 * Pure.
 */

export type TsigAlgorithm = 'hmac-sha1' | 'hmac-sha224' | 'hmac-sha256' | 'hmac-sha384' | 'hmac-sha512'

interface AlgorithmInfo {
  /** The node:crypto digest name. */
  digest: string
  /** Full MAC length in bytes. */
  macBytes: number
}

const ALGORITHMS: Readonly<Record<TsigAlgorithm, AlgorithmInfo>> = Object.freeze({
  'hmac-sha1': { digest: 'sha1', macBytes: 20 },
  'hmac-sha224': { digest: 'sha224', macBytes: 28 },
  'hmac-sha256': { digest: 'sha256', macBytes: 32 },
  'hmac-sha384': { digest: 'sha384', macBytes: 48 },
  'hmac-sha512': { digest: 'sha512', macBytes: 64 },
})

/** Every algorithm we accept, in the order docs list them. */
export const TSIG_ALGORITHMS: readonly TsigAlgorithm[] = Object.freeze(Object.keys(ALGORITHMS) as TsigAlgorithm[])

/** The algorithm for a wire or config name (`HMAC-SHA256.` and `hmac-sha256` alike), or undefined. */
export function tsigAlgorithm(name: string): TsigAlgorithm | undefined {
  const n = name.trim().toLowerCase().replace(/\.$/, '')
  return Object.prototype.hasOwnProperty.call(ALGORITHMS, n) ? (n as TsigAlgorithm) : undefined
}

export function algorithmInfo(alg: TsigAlgorithm): AlgorithmInfo {
  return ALGORITHMS[alg]
}

/**
 * RFC 8945 5.2.2.1: a truncated MAC is acceptable when it is at least the larger of 10 bytes and half
 * the full length, and no longer than the full length.
 */
export function isAcceptableMacLength(alg: TsigAlgorithm, length: number): boolean {
  const full = ALGORITHMS[alg].macBytes
  return length <= full && length >= Math.max(10, Math.ceil(full / 2))
}
