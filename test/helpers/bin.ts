/**
 * Runs the built CLI, `node bin/dnsplane.js <args>` (dist/), as a user would; needs `npm run build`.
 */
import { execFile } from 'node:child_process'
import { BIN } from './lab/cluster.js'

export interface BinResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * The child records no coverage (tap's processinfo hook, which tap injects into every child, reads
 * `_TAPJS_PROCESSINFO_COVERAGE_=0` as "off"): dist/ is compiled by tsc and the tests by swc, whose
 * source maps give one function slightly different ranges, so a covered dist/ child would count
 * each function it ran a second time (functions coverage 97 % read as 92 %).
 */
export function runBin(args: string[], timeoutMs = 20_000): Promise<BinResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: timeoutMs, env: { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}
