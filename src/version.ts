/** The package version, read once from package.json, the parent of src/ (tests) and of dist/ (installed). */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

function readVersion(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  try {
    const pkg = JSON.parse(readFileSync(join(here, '../package.json'), 'utf8')) as { name?: string; version?: string }
    if (pkg.name === 'dnsplane' && pkg.version) return pkg.version
  } catch {
    // unreadable or not JSON: report the placeholder rather than fail start-up over a version string
  }
  return '0.0.0'
}

export const VERSION = readVersion()
