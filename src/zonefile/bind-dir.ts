/**
 * The original's `bind_dir` records source: BIND zone files in a folder, chosen by `named_conf`
 * (its `zone "name" { file "path"; }` statements) or else by `include_pattern` (a glob on file
 * names; the zone is the part `*` matched, e.g. example.com for example.com.db). Parsed by the
 * RFC 1035 parser ($INCLUDE relative to the folder); read-only; `watch` re-reads on changes.
 */
import { readdir } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import { watch as chokidarWatch } from 'chokidar'
import type { DnsRecord } from '../store/record.js'
import { GO_ZERO_TIME } from '../store/record.js'
import { parseZoneFile, readBoundedText } from './file-reader.js'
import { formatZoneError } from './parse.js'

/** Quiet time after a file change before the folder is read again. */
export const BIND_DIR_DEBOUNCE_MS = 500
/** Errors quoted in one refresh failure. */
const QUOTED_ERRORS = 5

export interface BindDirOptions {
  dir: string
  includePattern: string
  namedConf: string
}

/** One zone file to read: its path and the origin it starts with. */
export interface ZoneSource {
  file: string
  origin: string
}

/** `*` and `?` glob on one file name (no folders) as a RegExp whose first group is what the first `*` matched. */
export function globToRegExp(pattern: string): RegExp {
  let re = ''
  let starred = false
  for (const ch of pattern) {
    if (ch === '*') {
      re += starred ? '.*' : '(.*)'
      starred = true
    } else if (ch === '?') re += '.'
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}

/** The zones of a named.conf text: name and file of each `zone` statement that has a file. */
export function zonesOfNamedConf(text: string): Array<{ zone: string; file: string }> {
  const clean = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(\/\/|#)[^\n]*/g, ' ')
  const out: Array<{ zone: string; file: string }> = []
  for (const m of clean.matchAll(/\bzone\s+"([^"]+)"(?:\s+\w+)?\s*\{((?:[^{}]|\{[^{}]*\})*)\}/g)) {
    const file = /\bfile\s+"([^"]+)"/.exec(m[2])
    if (file) out.push({ zone: m[1], file: file[1] })
  }
  return out
}

/** The zone files the options select, with their origins. */
export async function listZoneSources(opts: BindDirOptions): Promise<ZoneSource[]> {
  if (opts.namedConf !== '') {
    const conf = isAbsolute(opts.namedConf) ? opts.namedConf : join(opts.dir, opts.namedConf)
    return zonesOfNamedConf(await readBoundedText(conf)).map((z) => ({ file: resolve(opts.dir, z.file), origin: z.zone }))
  }
  const re = globToRegExp(opts.includePattern || '*')
  const names = (await readdir(opts.dir, { withFileTypes: true })).filter((d) => d.isFile() && re.test(d.name)).map((d) => d.name).sort()
  return names.map((name) => ({ file: join(opts.dir, name), origin: re.exec(name)?.[1] || '.' }))
}

/** Reads every selected zone file; throws naming the first few file:line problems. */
export async function loadBindDir(opts: BindDirOptions): Promise<DnsRecord[]> {
  const out: DnsRecord[] = []
  for (const src of await listZoneSources(opts)) {
    const parsed = await parseZoneFile(src.file, { origin: src.origin, root: opts.dir })
    if (!parsed.ok) throw new Error(parsed.errors.slice(0, QUOTED_ERRORS).map(formatZoneError).join('; '))
    for (const r of parsed.records) {
      out.push({ name: r.name, type: r.type, value: r.value, ttl: r.ttl, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME })
    }
  }
  return out
}

/** Watches the folder (and named.conf); calls `changed` once edits settle. Resolves to the stop function. */
export async function watchBindDir(opts: BindDirOptions, changed: () => void, debounceMs = BIND_DIR_DEBOUNCE_MS): Promise<() => Promise<void>> {
  const paths = [opts.dir, ...(opts.namedConf !== '' && isAbsolute(opts.namedConf) ? [opts.namedConf] : [])]
  const w = chokidarWatch(paths, { ignoreInitial: true, depth: 0 })
  let timer: NodeJS.Timeout | undefined
  w.on('all', () => {
    clearTimeout(timer)
    timer = setTimeout(changed, debounceMs)
  })
  await new Promise<void>((r) => w.once('ready', () => r()))
  return async () => {
    clearTimeout(timer)
    await w.close()
  }
}
