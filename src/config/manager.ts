/**
 * The running configuration: `server set/save/load/config` (ConfigControl) and persisted patches
 * from the cluster manager (peer add/remove, admin_config_apply). Holds one frozen Config at a
 * time; every change builds a new one and tells listeners which keys changed.
 */
import { Value } from '@sinclair/typebox/value'
import type { Logger } from 'pino'
import { DnsplaneError } from '../errors.js'
import { writeFileAtomic } from '../store/atomic-write.js'
import type { ConfigControl, SetResult } from './control.js'
import { CONFIG_FILE_MODE, readConfigFile, renderConfigFile } from './load.js'
import { CONFIG_KEYS, FILE_KEY_ALIASES, KEY_BY_PATH, SECRET_KEYS, type Config } from './schema.js'
import { validateConfig, type ValidateContext } from './validate.js'

/** A partial config: nested objects merge, arrays and scalars replace. */
export type ConfigPatch = {
  [K in keyof Config]?: Config[K] extends readonly unknown[] ? Config[K] : Config[K] extends object ? ConfigPatch_<Config[K]> : Config[K]
}
type ConfigPatch_<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? ConfigPatch_<T[K]> : T[K] }

/** Called after a change is in memory (and, for update(), on disk), with the dotted keys that changed. */
export type ConfigListener = (config: Config, changedKeys: readonly string[]) => void

export interface ConfigManagerOptions {
  /** Absolute path of the loaded dnsplane.json. */
  path: string
  /** The validated, frozen config (from loadConfig). */
  config: Config
  /** Same context the file was validated with (see validateContextFor). */
  context: ValidateContext
  logger?: Pick<Logger, 'warn' | 'error'>
}

/**
 * `server set` names (the original's, plus every leaf key by its dotted path and top-level name)
 * mapped to dotted schema paths.
 */
export const SETTING_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  ...FILE_KEY_ALIASES,
  api_port: 'apiport',
  fallback_ip: 'fallback_server_ip',
  fallback_port: 'fallback_server_port',
  dnsservers: 'file_locations.dnsservers',
  dnsservers_file: 'file_locations.dnsservers',
  dnsrecords: 'file_locations.records_source.location',
  dnsrecords_file: 'file_locations.records_source.location',
  records_source_location: 'file_locations.records_source.location',
  records_source_type: 'file_locations.records_source.type',
  cache: 'file_locations.cache',
  cache_file: 'file_locations.cache',
  auto_build_ptr_from_a: 'DNSRecordSettings.auto_build_ptr_from_a',
  forward_ptr_queries: 'DNSRecordSettings.forward_ptr_queries',
  add_updates_records: 'DNSRecordSettings.add_updates_records',
  log_dir: 'log.log_dir',
  log_severity: 'log.log_severity',
  log_rotation: 'log.log_rotation',
  log_rotation_size_mb: 'log.log_rotation_size_mb',
  log_rotation_time_days: 'log.log_rotation_time_days',
})

/** Dotted schema path for a `server set` name, or undefined ("unknown setting"). */
export function resolveSettingName(name: string): string | undefined {
  if (Object.hasOwn(SETTING_ALIASES, name)) return SETTING_ALIASES[name]
  return KEY_BY_PATH.has(name) ? name : undefined
}

const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True'])
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False'])

/** Go strconv.ParseBool forms; undefined when not one of them. */
export function parseGoBool(s: string): boolean | undefined {
  if (TRUE_WORDS.has(s)) return true
  if (FALSE_WORDS.has(s)) return false
  return undefined
}

/** `cluster_peers` syntax: a JSON array of strings, or a comma list (blank entries dropped). */
export function parseStringList(s: string): string[] | undefined {
  const t = s.trim()
  if (t.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(t)
      return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined
    } catch {
      return undefined
    }
  }
  return t
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')
}

/**
 * Converts the text of `server set <key> <value>` to the key's JSON type. Returns the raw string
 * when it cannot be converted, so validation reports "must be ..., got ..." for it.
 * The two characters `""` stand for the empty string (TUI input cannot contain spaces or quotes).
 */
export function parseSettingValue(dotted: string, text: string): unknown {
  const schema = KEY_BY_PATH.get(dotted)?.schema
  switch (schema?.type) {
    case 'boolean':
      return parseGoBool(text) ?? text
    case 'integer':
      return /^[+-]?[0-9]{1,16}$/.test(text) ? Number(text) : text
    case 'number':
      return /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(text) ? Number(text) : text
    case 'array':
      return text === '""' ? [] : (parseStringList(text) ?? text)
    default:
      return text === '""' ? '' : text
  }
}

function getLeaf(obj: unknown, dotted: string): unknown {
  let cur = obj
  for (const part of dotted.split('.')) cur = (cur as Record<string, unknown>)[part]
  return cur
}

function setLeaf(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.')
  let cur = obj
  for (const part of parts.slice(0, -1)) cur = cur[part] as Record<string, unknown>
  cur[parts[parts.length - 1]] = value
}

function mergePatch(base: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue
    const cur = base[k]
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && cur !== null && typeof cur === 'object' && !Array.isArray(cur)) {
      mergePatch(cur as Record<string, unknown>, v as Record<string, unknown>)
    } else {
      base[k] = structuredClone(v)
    }
  }
}

/** Dotted leaf keys whose values differ between two configs. */
export function changedKeys(a: Config, b: Config): string[] {
  return CONFIG_KEYS.filter((k) => !Value.Equal(getLeaf(a, k.key), getLeaf(b, k.key))).map((k) => k.key)
}

function redactValue(dotted: string, v: unknown): unknown {
  if (!SECRET_KEYS.has(dotted)) return v
  // tsig_keys: names, grants and secret_file paths show, never a secret
  if (Array.isArray(v)) return v.map((k: Record<string, unknown>) => ({ ...k, secret: k.secret ? '(set)' : undefined }))
  return typeof v === 'string' && v !== '' ? '(set)' : ''
}

/** Holds the running config; see ConfigControl for the TUI/API contract. */
export class ConfigManager implements ConfigControl {
  readonly path: string
  #config: Config
  readonly #context: ValidateContext
  readonly #logger?: Pick<Logger, 'warn' | 'error'>
  readonly #listeners = new Set<ConfigListener>()
  /** Serialises save/load/update so a failed write cannot revert a newer change. */
  #queue: Promise<unknown> = Promise.resolve()

  constructor(opts: ConfigManagerOptions) {
    this.path = opts.path
    this.#config = opts.config
    this.#context = opts.context
    this.#logger = opts.logger
  }

  /** The current frozen config. */
  get config(): Config {
    return this.#config
  }

  /** Registers a change listener; returns a function that removes it. */
  onChange(listener: ConfigListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  redacted(): Record<string, unknown> {
    const copy = structuredClone(this.#config) as Record<string, unknown>
    for (const key of SECRET_KEYS) setLeaf(copy, key, redactValue(key, getLeaf(copy, key)))
    return copy
  }

  set(key: string, value: string): SetResult {
    const dotted = resolveSettingName(key)
    if (dotted === undefined) throw new DnsplaneError('ERR_CONFIG_INVALID', `unknown setting: ${key}`)
    const parsed = parseSettingValue(dotted, value)
    const draft = structuredClone(this.#config) as Record<string, unknown>
    setLeaf(draft, dotted, parsed)
    // Setting a records location (any of its names) makes the source a file, as in the original.
    if (dotted === 'file_locations.records_source.location') setLeaf(draft, 'file_locations.records_source.type', 'file')
    const next = this.#validate(draft, (msg) => (key === dotted ? msg : msg.replaceAll(`${dotted}:`, `${key} (${dotted}):`)))
    const changed = changedKeys(this.#config, next)
    if (changed.length > 0) this.#config = next // a no-op keeps the same object (listeners compare by identity)
    this.#emit(changed)
    return {
      key: dotted,
      value: redactValue(dotted, getLeaf(this.#config, dotted)),
      restart_required: !(KEY_BY_PATH.get(dotted)?.live ?? false),
    }
  }

  save(): Promise<void> {
    return this.#serial(() => this.#write(this.#config))
  }

  load(): Promise<void> {
    return this.#serial(async () => {
      const { config, warnings } = await readConfigFile(this.path, this.#context)
      for (const w of warnings) this.#logger?.warn({ path: this.path }, w)
      const changed = changedKeys(this.#config, config)
      if (changed.length > 0) this.#config = config
      this.#emit(changed)
    })
  }

  /**
   * Merges `patch` into the current config, validates, writes the whole file and then notifies
   * listeners. Returns the dotted keys that changed. On a validation or write error the current
   * config is kept and the error is thrown (ERR_CONFIG_INVALID / ERR_STATE_WRITE).
   */
  update(patch: ConfigPatch): Promise<string[]> {
    return this.#serial(async () => {
      const draft = structuredClone(this.#config) as Record<string, unknown>
      mergePatch(draft, patch as Record<string, unknown>)
      const next = this.#validate(draft, (m) => m)
      const changed = changedKeys(this.#config, next)
      if (changed.length === 0) return changed
      await this.#write(next)
      this.#config = next
      this.#emit(changed)
      return changed
    })
  }

  #validate(draft: Record<string, unknown>, rename: (msg: string) => string): Config {
    const res = validateConfig(draft, this.#context)
    if (!res.config) throw new DnsplaneError('ERR_CONFIG_INVALID', res.errors.map(rename).join('; '))
    return res.config
  }

  async #write(config: Config): Promise<void> {
    try {
      await writeFileAtomic(this.path, renderConfigFile(config), { mode: CONFIG_FILE_MODE })
    } catch (cause) {
      throw new DnsplaneError('ERR_CONFIG_WRITE', `cannot write ${this.path}: ${(cause as Error).message}`, { cause })
    }
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn)
    this.#queue = run.catch(() => undefined) // the queue continues after a failure; the caller sees it
    return run
  }

  #emit(changed: readonly string[]): void {
    if (changed.length === 0) return
    for (const listener of this.#listeners) {
      try {
        listener(this.#config, changed)
      } catch (err) {
        this.#logger?.error({ err }, 'config change listener failed')
      }
    }
  }
}
