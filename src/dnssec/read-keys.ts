/**
 * Reads the signing keys named by dnssec_sign_key_file / dnssec_sign_private_key_file (I/O adapter of
 * key-files.ts). A private key file must be readable by its owner only (mode 0600, as dnssec-keygen
 * writes it). Errors name the file, never the key.
 */
import { readFileSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import { DnsplaneError } from '../errors.js'
import { nameKey } from '../store/record.js'
import { parsePrivateKeyFile, parsePublicKeyFile, type PublicKeyFile, type SigningKey } from './key-files.js'

/** Max bytes of a key file (an RSA-4096 .private file is about 3.3 KB). */
export const MAX_KEY_FILE_BYTES = 16_384

export interface SignKeySettings {
  dnssec_sign_zone: string
  dnssec_sign_key_file: string
  dnssec_sign_private_key_file: string
}

function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

function readKeyFile(path: string, secret: boolean): string {
  let st
  try {
    st = statSync(path)
  } catch (err) {
    throw new DnsplaneError('ERR_CONFIG_INVALID', `DNSSEC key file ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  if (!st.isFile()) throw new DnsplaneError('ERR_CONFIG_INVALID', `DNSSEC key file ${path}: not a regular file`)
  if (st.size > MAX_KEY_FILE_BYTES) throw new DnsplaneError('ERR_CONFIG_INVALID', `DNSSEC key file ${path}: larger than ${MAX_KEY_FILE_BYTES} bytes`)
  if (secret && (st.mode & 0o077) !== 0) {
    throw new DnsplaneError('ERR_CONFIG_INVALID', `DNSSEC key file ${path}: mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}; a private key must be readable by its owner only (chmod 600)`)
  }
  return readFileSync(path, 'utf8')
}

/** The public keys (.key files) of the settings with their paths, each checked to belong to dnssec_sign_zone. */
export function readPublicKeys(s: SignKeySettings): { path: string; key: PublicKeyFile }[] {
  if (s.dnssec_sign_zone.trim() === '') throw new DnsplaneError('ERR_CONFIG_INVALID', 'dnssec_sign_zone: must name the zone to sign')
  const zone = nameKey(s.dnssec_sign_zone)
  const pubs = splitList(s.dnssec_sign_key_file)
  if (pubs.length === 0) throw new DnsplaneError('ERR_CONFIG_INVALID', 'dnssec_sign_key_file: must name at least one .key file')
  return pubs.map((path) => {
    const key = parsePublicKeyFile(readKeyFile(path, false), path)
    if (key.zone !== zone) throw new DnsplaneError('ERR_CONFIG_INVALID', `DNSSEC key file ${path}: is a key of ${key.zone || '.'}, not of dnssec_sign_zone ${zone || '.'}`)
    return { path, key }
  })
}

/** The configured key file pairs: each .key path with its .private path (given, or the .key's twin). */
export function keyFilePaths(s: SignKeySettings): { keyPath: string; privPath: string }[] {
  const pubs = splitList(s.dnssec_sign_key_file)
  const given = splitList(s.dnssec_sign_private_key_file)
  if (given.length > 0 && given.length !== pubs.length) {
    throw new DnsplaneError('ERR_CONFIG_INVALID', `dnssec_sign_private_key_file: names ${given.length} files for ${pubs.length} key files`)
  }
  return pubs.map((keyPath, i) => ({ keyPath, privPath: given[i] ?? keyPath.replace(/\.key$/, '') + '.private' }))
}

/** The key pairs of the settings: each .key file with its .private file. */
export function readSigningKeys(s: SignKeySettings): SigningKey[] {
  const pubs = readPublicKeys(s)
  const paths = keyFilePaths(s)
  return pubs.map(({ key }, i) => {
    const privPath = paths[i].privPath
    return parsePrivateKeyFile(readKeyFile(privPath, true), privPath, key)
  })
}

/**
 * The texts of the configured key files, each pair checked to parse as a key of dnssec_sign_zone, with
 * its name (the .key file's name without `.key`) for a peer that asks (daemon/share-keys.ts).
 */
export function readKeyTexts(s: SignKeySettings): { name: string; key: string; private: string }[] {
  const pubs = readPublicKeys(s)
  return keyFilePaths(s).map(({ keyPath, privPath }, i) => {
    const priv = readKeyFile(privPath, true)
    parsePrivateKeyFile(priv, privPath, pubs[i].key)
    return { name: keyFileName(keyPath), key: readKeyFile(keyPath, false), private: priv }
  })
}

/** `K<zone>.+<alg>+<tag>` of a .key path (the part a peer matches on). */
export function keyFileName(keyPath: string): string {
  return basename(keyPath).replace(/\.key$/, '')
}
