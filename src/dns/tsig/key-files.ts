/**
 * Reads a `tsig_keys[].secret_file`: an absolute path to a file holding the base64 secret, readable
 * by its owner only (mode 0600 or stricter), as BIND and Knot ask of key files. I/O adapter of keyring.ts.
 */
import { readFileSync, statSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import { DnsplaneError } from '../../errors.js'

/** Max bytes of a secret file (a base64 secret is far shorter; a larger file is a mistake). */
export const MAX_SECRET_FILE_BYTES = 4096

export function readSecretFile(path: string, field: string): string {
  if (!isAbsolute(path)) throw new DnsplaneError('ERR_CONFIG_INVALID', `${field}: must be an absolute path, got ${JSON.stringify(path)}`)
  let st
  try {
    st = statSync(path)
  } catch (err) {
    throw new DnsplaneError('ERR_CONFIG_INVALID', `${field}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`)
  }
  if (!st.isFile()) throw new DnsplaneError('ERR_CONFIG_INVALID', `${field}: ${path} is not a regular file`)
  if ((st.mode & 0o077) !== 0) {
    throw new DnsplaneError('ERR_CONFIG_INVALID', `${field}: ${path} has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}; it must be readable by its owner only (chmod 600)`)
  }
  if (st.size > MAX_SECRET_FILE_BYTES) throw new DnsplaneError('ERR_CONFIG_INVALID', `${field}: ${path} is larger than ${MAX_SECRET_FILE_BYTES} bytes`)
  return readFileSync(path, 'utf8').trim()
}
