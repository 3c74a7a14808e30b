/**
 * `dnsplane dnssec ds [ZONE]`: the DS records of the configured signing keys (dnssec_sign_key_file), for
 * the parent zone. Reads the config and the public key files only; no daemon is asked.
 */
import { homedir } from 'node:os'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findConfigPath, readConfigFile, validateContextFor, type LoadConfigOptions } from '../../config/load.js'
import { isDnsplaneError } from '../../errors.js'
import { dsRdata, dsText, type DsDigestType } from '../../dnssec/keytag.js'
import { readPublicKeys, readSigningKeys } from '../../dnssec/read-keys.js'
import type { SigningKey } from '../../dnssec/key-files.js'
import { encodeName } from '../../dns/wire/rdata.js'
import { nameKey } from '../../store/record.js'

export interface DsIo {
  stdout: { write(s: string): unknown }
  stderr: { write(s: string): unknown }
}

export interface DsRecord {
  zone: string
  key_tag: number
  algorithm: number
  digest_type: DsDigestType
  digest: string
  record: string
}

/** The DS records of the configured keys: of the KSKs, or of every key when none is a KSK (SHA-256, then SHA-384). */
export function dsRecords(settings: Parameters<typeof readPublicKeys>[0]): DsRecord[] {
  const keys = readPublicKeys(settings).map((k) => k.key)
  const ksks = keys.filter((k) => (k.flags & 1) === 1)
  const out: DsRecord[] = []
  for (const k of ksks.length > 0 ? ksks : keys) {
    const owner = encodeName(k.zone) as Buffer
    for (const digestType of [2, 4] as const) {
      const text = dsText(dsRdata(owner, k.dnskeyRdata, digestType))
      out.push({ zone: k.zone + '.', key_tag: k.keyTag, algorithm: k.algorithm, digest_type: digestType, digest: text.split(' ')[3], record: `${k.zone === '' ? '' : k.zone}. IN DS ${text}` })
    }
  }
  return out
}

/** The signing keys of the config (for `zone export --signed`): the .key and .private files of dnssec_sign_key_file. */
export async function signingKeysFromConfig(config: string | undefined, env: Omit<LoadConfigOptions, 'configPath'> = processEnv()): Promise<SigningKey[]> {
  const found = await findConfigPath({ ...env, configPath: config })
  if (!found.exists) throw new Error(`no config file at ${found.path} (give --config)`)
  return readSigningKeys((await readConfigFile(found.path, validateContextFor(found.path, env))).config)
}

export async function printDs(zone: string | undefined, opts: { json?: boolean; config?: string }, io: DsIo, env: Omit<LoadConfigOptions, 'configPath'>): Promise<number> {
  try {
    const found = await findConfigPath({ ...env, configPath: opts.config })
    if (!found.exists) throw new Error(`no config file at ${found.path} (give --config)`)
    const { config } = await readConfigFile(found.path, validateContextFor(found.path, env))
    if (zone !== undefined && nameKey(zone) !== nameKey(config.dnssec_sign_zone)) {
      throw new Error(`${zone} is not the signed zone of ${found.path} (dnssec_sign_zone is ${JSON.stringify(config.dnssec_sign_zone)})`)
    }
    const records = dsRecords(config)
    io.stdout.write(opts.json ? JSON.stringify(records, null, 2) + '\n' : records.map((r) => r.record + '\n').join(''))
    return 0
  } catch (err) {
    io.stderr.write(`dnsplane: ${isDnsplaneError(err) ? err.code + ': ' : ''}${(err as Error).message}\n`)
    return 1
  }
}

/** Where the config is searched for when the CLI runs. */
function processEnv(): Omit<LoadConfigOptions, 'configPath'> {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  return { cwd: process.cwd(), exeDir: dirname(dirname(fileURLToPath(import.meta.url))), env: process.env, homeDir: homedir(), isRoot }
}

/** The command as main.ts runs it: the process's environment and streams. */
export function runDs(zone: string | undefined, opts: { json?: boolean; config?: string }): Promise<number> {
  return printDs(zone, opts, process, processEnv())
}
