/**
 * The package version, read once from package.json next to dist/ or src/. A core module (no service
 * imports) so the daemon and the CLI can both read it without the daemon importing from cli/.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

function readVersion(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(join(here, rel), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'dnsplane' && pkg.version) return pkg.version
    } catch {
      // try the next candidate: layout differs between src/ (tests) and dist/ (installed)
    }
  }
  return '0.0.0'
}

export const VERSION = readVersion()
