/**
 * Module hooks for ts-import.mjs: `.ts`/`.tsx` files are transpiled by swc; an import written
 * `./x.js` (the NodeNext spelling) from a TypeScript file resolves to `./x.ts` or `./x.tsx` when
 * no `.js` file exists.
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
    const fromTs = context.parentURL !== undefined && TS_FILE.test(context.parentURL)
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !fromTs || !specifier.endsWith('.js')) throw err
    const stem = specifier.slice(0, -3)
    try {
      return await next(`${stem}.ts`, context)
    } catch {
      return next(`${stem}.tsx`, context)
    }
  }
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !TS_FILE.test(url)) return next(url, context)
  const filename = fileURLToPath(url)
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
