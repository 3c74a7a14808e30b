/**
 * The TSIG keys of `tsig_keys` as a keyring: lookup by name for verifyRequest, and which zones and
 * operations each key may sign. Secrets stay inside the TsigKey objects; errors name the config key
 * (`tsig_keys[1].secret`) and never the secret. Pure: secret files are read by the caller's
 * `readSecretFile` (see key-files.ts).
 */
import { DnsplaneError } from '../../errors.js'
import { isAtOrBelow, nameKeyOf } from '../local/names.js'
import { tsigAlgorithm } from './algorithms.js'
import type { TsigKey, TsigKeyLookup } from './tsig.js'

export type TsigOperation = 'update' | 'transfer' | 'notify'

/** One `tsig_keys` entry as in dnsplane.json. */
export interface TsigKeyConfig {
  name: string
  algorithm: string
  secret?: string
  secret_file?: string
  zones?: readonly string[]
  operations?: readonly string[]
}

export interface Keyring {
  readonly size: number
  lookup: TsigKeyLookup
  /** Whether `key` may do `op` on `zone` (a lookup key); zones absent/empty = every zone. */
  mayUse(key: TsigKey, zone: string, op: TsigOperation): boolean
}

interface Grant {
  key: TsigKey
  /** undefined = every zone. */
  zones: readonly string[] | undefined
  operations: ReadonlySet<string>
}

const ALL_OPERATIONS: readonly TsigOperation[] = ['update', 'transfer', 'notify']
/** RFC 8945 6: a key shorter than the MAC weakens it; we refuse keys under 16 bytes outright. */
export const MIN_SECRET_BYTES = 16

function invalid(field: string, problem: string): DnsplaneError {
  return new DnsplaneError('ERR_CONFIG_INVALID', `${field}: ${problem}`)
}

/** Strict base64 (padding optional); undefined when `text` is not base64. */
function decodeBase64(text: string): Buffer | undefined {
  const t = text.replace(/\s+/g, '')
  if (t === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(t) || t.replace(/=+$/, '').length % 4 === 1) return undefined
  return Buffer.from(t, 'base64')
}

function secretOf(e: TsigKeyConfig, at: string, readSecretFile: (path: string, field: string) => string): Buffer {
  const hasSecret = e.secret !== undefined && e.secret !== ''
  const hasFile = e.secret_file !== undefined && e.secret_file !== ''
  if (hasSecret === hasFile) throw invalid(at, 'set exactly one of secret and secret_file')
  const field = hasSecret ? `${at}.secret` : `${at}.secret_file`
  const text = hasSecret ? (e.secret as string) : readSecretFile(e.secret_file as string, field)
  const secret = decodeBase64(text)
  if (!secret) throw invalid(field, 'is not base64')
  if (secret.length < MIN_SECRET_BYTES) throw invalid(field, `the secret must be at least ${MIN_SECRET_BYTES} bytes (base64 of ${MIN_SECRET_BYTES} random bytes: openssl rand -base64 32)`)
  return secret
}

/** Builds the keyring; throws ERR_CONFIG_INVALID naming the first bad field. */
export function buildKeyring(entries: readonly TsigKeyConfig[], readSecretFile: (path: string, field: string) => string): Keyring {
  const grants = new Map<string, Grant>()
  entries.forEach((e, i) => {
    const at = `tsig_keys[${i}]`
    const name = nameKeyOf(e.name)
    if (name === undefined || name === '') throw invalid(`${at}.name`, 'must be a domain name (e.g. ddns-key.example.com)')
    if (grants.has(name)) throw invalid(`${at}.name`, `duplicate key name ${name}`)
    const algorithm = tsigAlgorithm(e.algorithm)
    if (!algorithm) throw invalid(`${at}.algorithm`, 'must be one of hmac-sha1|hmac-sha224|hmac-sha256|hmac-sha384|hmac-sha512')
    const zones = (e.zones ?? []).map((z, j) => {
      const k = nameKeyOf(z)
      if (k === undefined) throw invalid(`${at}.zones[${j}]`, 'must be a domain name')
      return k
    })
    const operations = e.operations ?? ALL_OPERATIONS
    operations.forEach((op, j) => {
      if (!(ALL_OPERATIONS as readonly string[]).includes(op)) throw invalid(`${at}.operations[${j}]`, 'must be one of update|transfer|notify')
    })
    grants.set(name, { key: { name, algorithm, secret: secretOf(e, at, readSecretFile) }, zones: zones.length > 0 ? zones : undefined, operations: new Set(operations) })
  })
  return {
    size: grants.size,
    lookup: (name) => grants.get(name)?.key,
    mayUse(key, zone, op) {
      const g = grants.get(key.name)
      if (!g || g.key !== key || !g.operations.has(op)) return false
      return g.zones === undefined || g.zones.some((z) => isAtOrBelow(zone, z))
    },
  }
}
