/** DNSSEC keys for tests: generated in-process with node:crypto, or by BIND's dnssec-keygen when installed. */
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { dnskeyPublicKey, type DnssecAlgorithm } from '../../src/dnssec/algorithms.js'
import { DNSKEY_FLAG_SEP, DNSKEY_FLAG_ZONE, encodeDnskeyRdata, keyTag } from '../../src/dnssec/keytag.js'
import { parsePrivateKeyFile, parsePublicKeyFile, type SigningKey } from '../../src/dnssec/key-files.js'

/** A fresh key pair of `alg` for `zone` (lookup-key form), without files. */
export function generatedKey(alg: DnssecAlgorithm, zone: string, ksk = false): SigningKey {
  const { privateKey } =
    alg === 8 || alg === 10
      ? generateKeyPairSync('rsa', { modulusLength: 1024 })
      : alg === 15
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('ec', { namedCurve: alg === 13 ? 'P-256' : 'P-384' })
  const publicKey = dnskeyPublicKey(alg, privateKey)
  const flags = DNSKEY_FLAG_ZONE | (ksk ? DNSKEY_FLAG_SEP : 0)
  const dnskeyRdata = encodeDnskeyRdata({ flags, protocol: 3, algorithm: alg, publicKey })
  return { zone, flags, algorithm: alg, publicKey, dnskeyRdata, keyTag: keyTag(dnskeyRdata), timing: {}, privateKey, ksk }
}

/** True when the BIND tool `name` is on PATH. */
export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const MNEMONIC: Record<DnssecAlgorithm, string> = { 8: 'RSASHA256', 10: 'RSASHA512', 13: 'ECDSAP256SHA256', 14: 'ECDSAP384SHA384', 15: 'ED25519' }

/** Runs dnssec-keygen in `dir`; returns the base path (`dir/K<zone>.+alg+tag`). */
export function bindKeygen(dir: string, alg: DnssecAlgorithm, zone: string, ksk = false): string {
  const args = ['-K', dir, '-a', MNEMONIC[alg], ...(alg === 8 || alg === 10 ? ['-b', '1024'] : []), ...(ksk ? ['-f', 'KSK'] : []), '-n', 'ZONE', zone]
  const base = execFileSync('dnssec-keygen', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  return join(dir, base)
}

/** A key pair from the files dnssec-keygen wrote at `base`. */
export function loadBindKey(base: string): SigningKey {
  const pub = parsePublicKeyFile(readFileSync(base + '.key', 'utf8'), base + '.key')
  return parsePrivateKeyFile(readFileSync(base + '.private', 'utf8'), base + '.private', pub)
}
