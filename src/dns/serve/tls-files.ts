/**
 * Certificate and key of an encrypted DNS listener (DoT, DoH), read from the files named in the config.
 * Every failure is a DnsplaneError ERR_CONFIG_INVALID naming the config key, so a node with
 * `dot_enabled` and a bad path refuses to start instead of serving without TLS.
 */
import { readFile } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { createSecureContext } from 'node:tls'
import { DnsplaneError } from '../../errors.js'

/** A certificate chain or key larger than this is not a PEM file we were meant to read. */
export const MAX_TLS_FILE_BYTES = 1024 * 1024

/** The config keys of one listener's pair, and their values. */
export interface TlsFileKeys {
  certKey: string
  certFile: string
  keyKey: string
  keyFile: string
}

export interface TlsPair {
  cert: Buffer
  key: Buffer
}

async function readKeyFile(key: string, file: string, baseDir: string): Promise<Buffer> {
  if (file.trim() === '') throw new DnsplaneError('ERR_CONFIG_INVALID', `${key}: must be set to a PEM file when the listener is enabled`)
  const path = isAbsolute(file) ? file : resolve(baseDir, file)
  let data: Buffer
  try {
    data = await readFile(path)
  } catch (cause) {
    throw new DnsplaneError('ERR_CONFIG_INVALID', `${key}: cannot read ${JSON.stringify(path)}: ${(cause as Error).message}`, { cause })
  }
  if (data.length === 0 || data.length > MAX_TLS_FILE_BYTES) {
    throw new DnsplaneError('ERR_CONFIG_INVALID', `${key}: ${JSON.stringify(path)} is empty or larger than ${MAX_TLS_FILE_BYTES} bytes`)
  }
  return data
}

/**
 * Reads both files (relative paths against `baseDir`, the directory of dnsplane.json) and checks that
 * they make a TLS context (PEM, unencrypted key, key belongs to the certificate).
 */
export async function readTlsPair(k: TlsFileKeys, baseDir: string): Promise<TlsPair> {
  const cert = await readKeyFile(k.certKey, k.certFile, baseDir)
  const key = await readKeyFile(k.keyKey, k.keyFile, baseDir)
  try {
    createSecureContext({ cert, key })
  } catch (cause) {
    const why = (cause as Error).message
    throw new DnsplaneError('ERR_CONFIG_INVALID', `${k.certKey}/${k.keyKey}: not a usable PEM certificate and unencrypted private key pair (${why})`, { cause })
  }
  return { cert, key }
}
