/**
 * Module hooks for ts-import.mjs: `.ts`/`.tsx` files are transpiled by swc; an import of a path
 * written `./x.js` (the NodeNext spelling) resolves to `./x.ts` or `./x.tsx` when no `.js` file exists.
 *
 * Transpiled output is cached on disk (node_modules/.cache/dnsplane-ts/, keyed by a hash of the
 * source, its path and the swc version): `npm test` starts ~275 processes that each import mostly the
 * same src/ files, so all but the first take them from the cache, and a process whose imports are all
 * cached never loads swc. DNSPLANE_TS_CACHE=0 turns the cache off.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const TS_FILE = /\.tsx?$/
const CACHE_DIR = process.env.DNSPLANE_TS_CACHE === '0' ? undefined : fileURLToPath(new URL('../node_modules/.cache/dnsplane-ts/', import.meta.url))
// Part of every key: a new swc, or a change to the options below, must not reuse old output.
const KEY_SALT = `${require('@swc/core/package.json').version}\0es2022-inline-maps-v1\0`

let swc
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context)
  } catch (err) {
    // Only paths (relative, absolute, file: URLs, e.g. tap's mockImport with its ?query) map to
    // TypeScript; a bare package name never does.
    const [path, query = ''] = specifier.split(/(?=[?#])/)
    const isPath = /^(\.{1,2}\/|\/|file:)/.test(path)
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !isPath || !path.endsWith('.js')) throw err
    const stem = path.slice(0, -3)
    try {
      return await next(`${stem}.ts${query}`, context)
    } catch {
      return next(`${stem}.tsx${query}`, context)
    }
  }
}

async function transpile(filename, source) {
  swc ??= require('@swc/core')
  const { code } = await swc.transform(source, {
    filename,
    sourceMaps: 'inline',
    swcrc: false,
    module: { type: 'es6' },
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', tsx: filename.endsWith('.tsx') },
      transform: { react: { runtime: 'automatic' } },
    },
  })
  return code
}

/** Cached output for this exact source at this path, or undefined; a missing or unreadable entry is a miss. */
function cached(file) {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

/** Stores `code` under `file`; written to a temporary name and renamed, so a parallel reader never sees part of it. */
function store(file, code) {
  try {
    mkdirSync(CACHE_DIR, { recursive: true })
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
    writeFileSync(tmp, code)
    renameSync(tmp, file)
  } catch {
    // a read-only or full disk only costs the cache
  }
}

export async function load(url, context, next) {
  const path = url.split(/[?#]/, 1)[0]
  if (!path.startsWith('file:') || !TS_FILE.test(path)) return next(url, context)
  const filename = fileURLToPath(path)
  const source = await readFile(filename, 'utf8')
  if (!CACHE_DIR) return { format: 'module', source: await transpile(filename, source), shortCircuit: true }
  const key = createHash('sha256').update(KEY_SALT).update(filename).update('\0').update(source).digest('hex')
  const file = join(CACHE_DIR, `${key}.js`)
  let code = cached(file)
  if (code === undefined) {
    code = await transpile(filename, source)
    store(file, code)
  }
  return { format: 'module', source: code, shortCircuit: true }
}
