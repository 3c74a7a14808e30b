/**
 * Runs TypeScript directly (tests, scripts): `node --import ./scripts/ts-import.mjs file.ts`.
 * Transpile only, with @swc/core; types are checked by `tsc` in `npm run build`. It replaces tap's
 * ts-node loader, which loads the TypeScript compiler into each of the ~230 test processes
 * (about one CPU second each). Source maps are inline and line-for-line, so coverage maps to .ts.
 */
import { register } from 'node:module'

process.setSourceMapsEnabled(true)
register('./ts-import-hooks.mjs', import.meta.url)
