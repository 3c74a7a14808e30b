/**
 * Pure validation of a parsed `dnsplane.json` object: aliases, type and range checks against
 * config/schema.ts, defaults, derived values and path resolution. No file I/O (see load.ts).
 */
import { posix as path } from 'node:path'
import { Value } from '@sinclair/typebox/value'
import type { TObject, TSchema } from '@sinclair/typebox'
import { clusterToken, clusterTokenProblem } from './cluster-token.js'
import {
  ConfigSchema,
  DEFAULT_CLUSTER_LISTEN_ADDR,
  FILE_KEY_ALIASES,
  KEY_BY_PATH,
  SYNC_POLICIES,
  UNIMPLEMENTED_KEYS,
  REFUSED_KEYS,
  describeExpected,
  isPortKey,
  type Config,
} from './schema.js'
import { didYouMean } from '../suggest.js'
import { isJsonObject } from '../values.js'

/** What validation needs to know about the environment. */
export interface ValidateContext {
  /** Absolute directory of the config file: relative paths resolve against it. */
  configDir: string
  /** Used when `server_socket` is empty or absent. */
  defaultServerSocket: string
  /** `dnsplane server --strict`: unknown keys are errors, as with `strict_config: true`. */
  strict?: boolean
}

/** `config` is set (deep-frozen) only when `errors` is empty. Errors read `<key path>: <problem>`. */
export interface ValidateResult {
  config?: Config
  errors: string[]
  warnings: string[]
}

/** Where the original kept logs when its config lived under /etc. */
export const ETC_LOG_DIR = '/var/log/dnsplane'

type Obj = Record<string, unknown>

const isPlainObject: (v: unknown) => v is Obj = isJsonObject

/** Short JSON rendering of an offending value for messages. */
export function showValue(v: unknown): string {
  let s: string
  try {
    s = JSON.stringify(v) ?? String(v)
  } catch {
    s = String(v)
  }
  return s.length > 80 ? s.slice(0, 77) + '...' : s
}

function getPath(obj: Obj, dotted: string): unknown {
  let cur: unknown = obj
  for (const part of dotted.split('.')) {
    if (!isPlainObject(cur) || !Object.hasOwn(cur, part)) return undefined
    cur = cur[part]
  }
  return cur
}

/** Sets a dotted path, creating missing objects; returns false when a parent is not an object. */
function setPath(obj: Obj, dotted: string, value: unknown): boolean {
  const parts = dotted.split('.')
  let cur: Obj = obj
  for (const part of parts.slice(0, -1)) {
    const next = cur[part]
    if (next === undefined || next === null) cur[part] = {}
    else if (!isPlainObject(next)) return false
    cur = cur[part] as Obj
  }
  cur[parts[parts.length - 1]] = value
  return true
}

function deletePath(obj: Obj, dotted: string): void {
  const parts = dotted.split('.')
  const parent = parts.length === 1 ? obj : getPath(obj, parts.slice(0, -1).join('.'))
  if (isPlainObject(parent)) delete parent[parts[parts.length - 1]]
}

/** Rewrites the original's old key names to canonical paths (canonical wins when both are set). */
function applyAliases(input: Obj, warnings: string[]): void {
  for (const [alias, target] of Object.entries(FILE_KEY_ALIASES)) {
    const v = getPath(input, alias)
    if (v === undefined) continue
    deletePath(input, alias)
    if (v === null) continue
    const existing = getPath(input, target)
    if (existing !== undefined && existing !== null) {
      warnings.push(`${target} and its old name ${alias} are both set; using ${target}`)
      continue
    }
    setPath(input, target, v)
  }
}

interface WalkState {
  errors: string[]
  unknown: string[]
  /** Keys present in the input with a non-null value. */
  present: Set<string>
  /** Unimplemented keys present with a non-default value. */
  unimplementedSet: string[]
  configDir: string
}

/** Whether a present value equals the key's default (paths compared after resolution). */
function isDefaultValue(key: string, sub: TSchema, val: unknown, configDir: string): boolean {
  if (Value.Equal(val, sub.default)) return true
  if (KEY_BY_PATH.get(key)?.path && typeof val === 'string') {
    return resolvePath(configDir, val) === resolvePath(configDir, String(sub.default))
  }
  return false
}

function walk(schema: TObject, input: Obj, prefix: string, st: WalkState): Obj {
  const out: Obj = {}
  for (const [name, sub] of Object.entries(schema.properties) as [string, TSchema][]) {
    const key = prefix + name
    const v = input[name]
    if (sub.type === 'object' && 'properties' in sub) {
      if (v !== undefined && v !== null && !isPlainObject(v)) st.errors.push(`${key}: must be an object, got ${showValue(v)}`)
      out[name] = walk(sub as TObject, isPlainObject(v) ? v : {}, key + '.', st)
      continue
    }
    // JSON null (Go writes nil lists as null) means "not set".
    if (v === undefined || v === null) {
      out[name] = structuredClone(sub.default)
      continue
    }
    st.present.add(key)
    const val = isPortKey(sub) && Number.isInteger(v) ? String(v) : v
    if (!Value.Check(sub, val)) {
      // values of the original left out on purpose (schema notImplementedValues; the reason is in the key's note)
      const refusedValues = KEY_BY_PATH.get(key)?.notImplementedValues
      if (typeof val === 'string' && refusedValues?.includes(val)) {
        st.errors.push(`${key}: "${val}" is refused by design, not planned (the reason: docs/configuration.md); ${describeExpected(sub)}`)
      } else {
        st.errors.push(`${key}: ${describeExpected(sub)}, got ${showValue(v)}`)
      }
      out[name] = structuredClone(sub.default)
      continue
    }
    const refused = REFUSED_KEYS.get(key)
    if (refused !== undefined && !isDefaultValue(key, sub, val, st.configDir)) {
      // Refused, not warned: nobody should believe a feature is on because the server started.
      st.errors.push(`${key}: not implemented by design (${refused}); remove the key or set it to ${showValue(sub.default)}`)
    }
    if (UNIMPLEMENTED_KEYS.has(key) && !isDefaultValue(key, sub, val, st.configDir)) st.unimplementedSet.push(key)
    out[name] = val
  }
  for (const name of Object.keys(input)) {
    if (!Object.hasOwn(schema.properties, name)) st.unknown.push(prefix + name)
  }
  return out
}

/** ` (did you mean "cluster_enabled"?)` for `cluster_enabeld`, or ''; the candidates are the key's siblings in the schema. */
function closestKey(keyPath: string): string {
  const dot = keyPath.lastIndexOf('.')
  const prefix = keyPath.slice(0, dot + 1)
  const siblings = new Set<string>()
  for (const k of KEY_BY_PATH.keys()) {
    if (k.startsWith(prefix)) siblings.add(k.slice(prefix.length).split('.')[0])
  }
  return didYouMean(keyPath.slice(dot + 1), siblings)
}

function resolvePath(configDir: string, p: string): string {
  return path.isAbsolute(p) ? path.normalize(p) : path.join(configDir, p)
}

/** Deep-freezes plain objects and arrays in place; returns the same value. */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    for (const child of Object.values(v)) deepFreeze(child)
    Object.freeze(v)
  }
  return v
}

/** Every key at its schema default: relative paths unresolved, `server_socket` empty (= platform default). */
export function configDefaults(): Config {
  return Value.Create(ConfigSchema) as Config
}

/**
 * Validates a parsed config object. Absent or null keys take their defaults; the original's old
 * key names are accepted; unknown keys and set-but-unimplemented keys give one warning each kind.
 * Path keys (empty = default) resolve against `ctx.configDir`; an empty `server_socket` becomes
 * `ctx.defaultServerSocket`; an empty `cluster_listen_addr` becomes ":7946"; an absent
 * `log.log_dir` becomes /var/log/dnsplane when the config lives under /etc.
 */
export function validateConfig(raw: unknown, ctx: ValidateContext): ValidateResult {
  const warnings: string[] = []
  if (!isPlainObject(raw)) {
    return { errors: [`the top level must be a JSON object, got ${showValue(raw)}`], warnings }
  }
  const input = structuredClone(raw)
  applyAliases(input, warnings)
  const st: WalkState = { errors: [], unknown: [], present: new Set(), unimplementedSet: [], configDir: ctx.configDir }
  const out = walk(ConfigSchema, input, '', st) as Config

  const strict = ctx.strict === true || out.strict_config === true
  for (const key of st.unknown.sort()) {
    if (strict) st.errors.push(`${key}: unknown key${closestKey(key)} (strict_config refuses unknown keys)`)
    else warnings.push(`${key}: unknown key ignored${closestKey(key)}`)
  }
  if (st.unimplementedSet.length > 0) {
    warnings.push(`keys not implemented yet (accepted, no effect): ${st.unimplementedSet.join(', ')}`)
  }
  const tokenProblem = st.errors.length === 0 ? clusterTokenProblem(out.cluster_auth_token) : undefined
  if (tokenProblem) st.errors.push(`cluster_auth_token: ${tokenProblem}`)
  if (st.errors.length > 0) return { errors: st.errors, warnings }
  // Trimmed once here; every reader sees the token exactly as it is used.
  out.cluster_auth_token = clusterToken(out.cluster_auth_token)

  const policy = out.cluster_sync_policy.trim().toLowerCase()
  if (policy !== '' && !(SYNC_POLICIES as readonly string[]).includes(policy)) {
    warnings.push(`cluster_sync_policy: unknown policy ${showValue(out.cluster_sync_policy)} behaves as lww_per_node`)
  }
  if (out.cluster_listen_addr.trim() === '') out.cluster_listen_addr = DEFAULT_CLUSTER_LISTEN_ADDR

  const etc = ctx.configDir === '/etc' || ctx.configDir.startsWith('/etc/')
  if (etc && !st.present.has('log.log_dir')) out.log.log_dir = ETC_LOG_DIR
  out.server_socket = out.server_socket === '' ? ctx.defaultServerSocket : resolvePath(ctx.configDir, out.server_socket)
  const fl = out.file_locations
  const dflt = (key: string) => String(KEY_BY_PATH.get(key)?.default)
  fl.dnsservers = resolvePath(ctx.configDir, fl.dnsservers || dflt('file_locations.dnsservers'))
  fl.cache = resolvePath(ctx.configDir, fl.cache || dflt('file_locations.cache'))
  // A url source's location is a URL, not a path.
  if (fl.records_source.type !== 'url') {
    fl.records_source.location = resolvePath(
      ctx.configDir,
      fl.records_source.location || dflt('file_locations.records_source.location'),
    )
  }
  out.log.log_dir = resolvePath(ctx.configDir, out.log.log_dir || dflt('log.log_dir'))
  out.full_stats_dir = resolvePath(ctx.configDir, out.full_stats_dir || dflt('full_stats_dir'))

  return { config: deepFreeze(out), errors: [], warnings }
}
