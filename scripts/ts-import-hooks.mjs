/**
 * Module hooks for ts-import.mjs: `.ts`/`.tsx` files are transpiled by swc; an import of a path
 * written `./x.js` (the NodeNext spelling) resolves to `./x.ts` or `./x.tsx` when no `.js` file exists.
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const swc = createRequire(import.meta.url)('@swc/core')
const TS_FILE = /\.tsx?$/

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

export async function load(url, context, next) {
  const path = url.split(/[?#]/, 1)[0]
  if (!path.startsWith('file:') || !TS_FILE.test(path)) return next(url, context)
  const filename = fileURLToPath(path)
  const { code } = await swc.transform(await readFile(filename, 'utf8'), {
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
  return { format: 'module', source: code, shortCircuit: true }
}
