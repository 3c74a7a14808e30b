/**
 * Finding, reading, creating and validating `dnsplane.json` (file I/O around config/validate.ts).
 * Search order and file rules follow the original (records-and-config spec §4.1); deliberate
 * differences are listed in docs/configuration.md.
 */
import { randomBytes } from 'node:crypto'
import { constants as fsc } from 'node:fs'
import { link, mkdir, open, stat, unlink } from 'node:fs/promises'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { DnsplaneError } from '../errors.js'
import { CONFIG_FILE_NAME, configSearchPaths, defaultServerSocket, looksLikeDirectory } from './paths.js'
import { NEW_CONFIG_SYNC_POLICY, type Config } from './schema.js'
import { configDefaults, deepFreeze, validateConfig, type ValidateContext } from './validate.js'

/** Largest config file we read; a real one is a few KiB. */
export const MAX_CONFIG_BYTES = 1024 * 1024
/** Mode of config files we create or rewrite (they hold tokens). */
export const CONFIG_FILE_MODE = 0o600

/** Command-line flags that override the file, each only when given (relative paths: against cwd). */
export interface ConfigOverrides {
  port?: string
  apiport?: string
  api?: boolean
  server_socket?: string
  server_tcp?: string
  /** --dnsservers: file_locations.dnsservers. */
  dnsservers?: string
  /** --cache: file_locations.cache. */
  cache?: string
  /** --dnsrecords: records source of type "file" at this path. */
  dnsrecords?: string
}

export interface LoadConfigOptions {
  /** `--config`: a file, or a directory (trailing slash, existing dir, or no dot in the last element). */
  configPath?: string
  cwd: string
  /** Directory of the executable: first place searched. */
  exeDir: string
  env: NodeJS.ProcessEnv
  homeDir: string
  /** Running as root (uid 0): decides the default server_socket. */
  isRoot: boolean
  /** Third place searched; default /etc/dnsplane.json (tests point it elsewhere). */
  systemConfigPath?: string
  overrides?: ConfigOverrides
  /** `--strict`: unknown keys stop the load (as `strict_config: true` does). */
  strict?: boolean
}

export interface LoadedConfig {
  /** Deep-frozen, defaults filled, paths absolute, overrides applied. */
  config: Config
  /** Absolute path of the config file used. */
  path: string
  /** True when the file did not exist and was created with the defaults. */
  created: boolean
  warnings: string[]
}

/** What validation needs for a config file at `configPath`. */
export function validateContextFor(
  configPath: string,
  env: Pick<LoadConfigOptions, 'isRoot' | 'env' | 'homeDir'> & Partial<LoadConfigOptions>,
): ValidateContext {
  return { configDir: dirname(configPath), defaultServerSocket: defaultServerSocket(env), strict: env.strict }
}

/** 1-based line and column of a string offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  return { line, column: offset - before.lastIndexOf('\n') }
}

/**
 * Offset of the first JSON syntax error in `text`, or -1. V8's messages do not always carry a
 * position ("Unexpected token '}', ... is not valid JSON"), so we scan for it ourselves.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0
  const fail = (): never => {
    throw i
  }
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++
  }
  const str = () => {
    i++
    for (;;) {
      if (i >= text.length) fail()
      const c = text[i]
      if (c === '"') return void i++
      if (c === '\\') {
        i++
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail()
          i += 5
        } else if (text[i] !== undefined && '"\\/bfnrt'.includes(text[i])) i++
        else fail()
      } else if (c < ' ') fail()
      else i++
    }
  }
  const num = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
  const value = (): void => {
    ws()
    const c = text[i]
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']'
      i++
      ws()
      if (text[i] === close) return void i++
      for (;;) {
        if (c === '{') {
          ws()
          if (text[i] !== '"') fail()
          str()
          ws()
          if (text[i] !== ':') fail()
          i++
        }
        value()
        ws()
        if (text[i] === ',') i++
        else if (text[i] === close) return void i++
        else fail()
      }
    }
    if (c === '"') return str()
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) return void (i += lit.length)
    }
    num.lastIndex = i
    if (num.test(text)) return void (i = num.lastIndex)
    fail()
  }
  try {
    value()
    ws()
    return i < text.length ? i : -1
  } catch (e) {
    if (typeof e === 'number') return e
    return -1 // stack overflow on absurd nesting: no position
  }
}

/** Parses config text; throws ERR_CONFIG_PARSE naming the file and line/column. */
export function parseConfigText(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  if (body.trim() === '') throw new DnsplaneError('ERR_CONFIG_PARSE', `${file}: file is empty (expected a JSON object)`)
  try {
    return JSON.parse(body)
  } catch (cause) {
    const offset = jsonErrorOffset(body)
    const where = offset >= 0 ? ` at line ${lineColumn(body, offset).line} column ${lineColumn(body, offset).column}` : ''
    throw new DnsplaneError('ERR_CONFIG_PARSE', `${file}: not valid JSON${where}: ${(cause as Error).message}`, { cause })
  }
}

/** Reads at most MAX_CONFIG_BYTES of a file as UTF-8; ERR_CONFIG_NOT_FOUND when missing/unreadable. */
async function readBounded(file: string): Promise<string> {
  let fh
  try {
    fh = await open(file, fsc.O_RDONLY)
    const st = await fh.stat()
    if (!st.isFile()) throw new DnsplaneError('ERR_CONFIG_PARSE', `${file}: not a regular file`)
    if (st.size > MAX_CONFIG_BYTES) {
      throw new DnsplaneError('ERR_CONFIG_PARSE', `${file}: ${st.size} bytes exceeds the ${MAX_CONFIG_BYTES}-byte limit`)
    }
    const buf = Buffer.alloc(Math.min(st.size, MAX_CONFIG_BYTES) + 1)
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0)
    if (bytesRead > MAX_CONFIG_BYTES) {
      throw new DnsplaneError('ERR_CONFIG_PARSE', `${file}: exceeds the ${MAX_CONFIG_BYTES}-byte limit`)
    }
    return buf.subarray(0, bytesRead).toString('utf8')
  } catch (cause) {
    if (cause instanceof DnsplaneError) throw cause
    throw new DnsplaneError('ERR_CONFIG_NOT_FOUND', `cannot read ${file}: ${(cause as Error).message}`, { cause })
  } finally {
    await fh?.close().catch(() => undefined)
  }
}

/**
 * Reads and validates one config file. Throws ERR_CONFIG_NOT_FOUND (unreadable), ERR_CONFIG_PARSE
 * (empty, too big, not JSON) or ERR_CONFIG_INVALID (`<file>: <key>: <expected>, got <value>`;
 * several problems joined by "; ").
 */
export async function readConfigFile(file: string, ctx: ValidateContext): Promise<{ config: Config; warnings: string[] }> {
  const raw = parseConfigText(await readBounded(file), file)
  const res = validateConfig(raw, ctx)
  if (!res.config) throw new DnsplaneError('ERR_CONFIG_INVALID', `${file}: ${res.errors.join('; ')}`)
  return { config: res.config, warnings: res.warnings.map((w) => `${file}: ${w}`) }
}

/** Serialises a config the way the original writes it: 2-space indent, trailing newline. */
export function renderConfigFile(config: Config): string {
  return JSON.stringify(config, null, 2) + '\n'
}

/**
 * Creates `file` with `data` (mode 0600) atomically and only if it does not exist: temp file,
 * fsync, then link(2), which fails instead of replacing an existing file. Returns false when
 * the file appeared meanwhile (it is left untouched).
 */
export async function createFileExclusive(file: string, data: string): Promise<boolean> {
  const tmp = join(dirname(file), `.${CONFIG_FILE_NAME}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  const fh = await open(tmp, 'wx', CONFIG_FILE_MODE)
  try {
    try {
      await fh.chmod(CONFIG_FILE_MODE)
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    try {
      await link(tmp, file)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EEXIST') return false
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err
      // No hard links on this filesystem: exclusive create, still never replacing a file.
      return await writeExclusive(file, data)
    }
    return true
  } finally {
    await unlink(tmp).catch(() => undefined) // the temp name only; the real file is a second link
  }
}

async function writeExclusive(file: string, data: string): Promise<boolean> {
  let fh
  try {
    fh = await open(file, 'wx', CONFIG_FILE_MODE)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  }
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
  return true
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory()
  } catch {
    return false
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p)
    return true
  } catch {
    return false
  }
}

/** The config file to use and whether it exists (spec §4.1 search order). */
export async function findConfigPath(opts: LoadConfigOptions): Promise<{ path: string; exists: boolean }> {
  if (opts.configPath !== undefined && opts.configPath !== '') {
    const arg = isAbsolute(opts.configPath) ? opts.configPath : resolve(opts.cwd, opts.configPath)
    const dir = looksLikeDirectory(opts.configPath) || (await isDirectory(arg))
    const file = dir ? join(arg, CONFIG_FILE_NAME) : arg
    return { path: file, exists: await exists(file) }
  }
  for (const candidate of configSearchPaths(opts)) {
    if (await exists(candidate)) return { path: candidate, exists: true }
  }
  return { path: join(opts.cwd, CONFIG_FILE_NAME), exists: false }
}

/**
 * Applies command-line overrides (only those given) to a validated config and returns a new
 * frozen config. Relative override paths resolve against `cwd`. Unlike the original,
 * --dnsservers and --cache do not default to the working directory when omitted.
 */
export function applyOverrides(config: Config, overrides: ConfigOverrides, cwd: string, ctx: ValidateContext): Config {
  const next = structuredClone(config) as Config
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p))
  if (overrides.port !== undefined) next.port = overrides.port
  if (overrides.apiport !== undefined) next.apiport = overrides.apiport
  if (overrides.api !== undefined) next.api = overrides.api
  if (overrides.server_socket !== undefined) next.server_socket = abs(overrides.server_socket)
  if (overrides.server_tcp !== undefined) next.server_tcp = overrides.server_tcp
  if (overrides.dnsservers !== undefined) next.file_locations.dnsservers = abs(overrides.dnsservers)
  if (overrides.cache !== undefined) next.file_locations.cache = abs(overrides.cache)
  if (overrides.dnsrecords !== undefined) {
    next.file_locations.records_source.type = 'file'
    next.file_locations.records_source.location = abs(overrides.dnsrecords)
  }
  const res = validateConfig(next, ctx)
  if (!res.config) throw new DnsplaneError('ERR_CONFIG_INVALID', `command-line flag: ${res.errors.join('; ')}`)
  return res.config
}

/**
 * Finds the config file (creating it with the defaults when missing, never overwriting one),
 * reads, validates and freezes it, then applies `overrides`. Throws DnsplaneError
 * ERR_CONFIG_NOT_FOUND / ERR_CONFIG_PARSE / ERR_CONFIG_INVALID naming the file.
 */
export async function loadConfig(opts: LoadConfigOptions): Promise<LoadedConfig> {
  const found = await findConfigPath(opts)
  const ctx = validateContextFor(found.path, opts)
  let created = false
  if (!found.exists) {
    const res = validateConfig({ ...configDefaults(), cluster_sync_policy: NEW_CONFIG_SYNC_POLICY }, ctx)
    if (!res.config) throw new DnsplaneError('ERR_CONFIG_INVALID', `defaults: ${res.errors.join('; ')}`) // schema bug
    try {
      await mkdir(dirname(found.path), { recursive: true, mode: 0o700 })
      created = await createFileExclusive(found.path, renderConfigFile(res.config))
    } catch (cause) {
      throw new DnsplaneError('ERR_CONFIG_NOT_FOUND', `cannot create ${found.path}: ${(cause as Error).message}`, { cause })
    }
  }
  const { config, warnings } = await readConfigFile(found.path, ctx)
  const final = opts.overrides ? applyOverrides(config, opts.overrides, opts.cwd, ctx) : config
  return { config: deepFreeze(final), path: found.path, created, warnings }
}
