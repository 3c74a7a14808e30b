/**
 * Runs `dnsplane <args>` from the TypeScript sources under a pseudo-terminal (util-linux
 * `script`), so the Ink UIs see a real terminal; no build is needed. Bounded waits only.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..', '..')

/** Longest wait for output or exit, milliseconds. */
export const PTY_WAIT_MS = 20_000

/** True when util-linux `script` is installed (the tests skip otherwise). */
export function hasScript(): boolean {
  return spawnSync('script', ['--version']).status === 0
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

export interface PtyRun {
  child: ChildProcessWithoutNullStreams
  /** Everything written to the terminal so far. */
  output: () => string
  /** Resolves true once the output matches (searching only what came after `from`), false after PTY_WAIT_MS. */
  waitFor: (re: RegExp, from?: number) => Promise<boolean>
  /** The exit code, or 'timeout' after PTY_WAIT_MS. */
  exit: () => Promise<number | null | 'timeout'>
}

/**
 * Starts `dnsplane <args>` in a 100x40 pty; kill it in teardown with `child.kill()`. CI is switched off
 * for the child: Ink draws only the last frame when it sees CI=true, and an operator's terminal never has it.
 */
export function runInPty(args: string[], env: Record<string, string | undefined> = {}): PtyRun {
  // The same loader the tests run under compiles src/ on the fly.
  const loader = ['--import', join(ROOT, 'scripts', 'ts-import.mjs')]
  const cmd = [process.execPath, ...loader, join(ROOT, 'src', 'cli', 'main.ts'), ...args].map(shellQuote).join(' ')
  const child = spawn('script', ['-qfec', `stty cols 100 rows 40; exec ${cmd}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'xterm-256color', CI: '0', CONTINUOUS_INTEGRATION: '0', ...env } })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {
    child,
    output: () => out,
    async waitFor(re, from = 0) {
      for (let i = 0; i < PTY_WAIT_MS / 50; i++) {
        if (re.test(out.slice(from))) return true
        await new Promise((r) => setTimeout(r, 50))
      }
      return false
    },
    async exit() {
      // The bound's timer is cleared once the child exits: left running it kept the test process up for PTY_WAIT_MS.
      let timer: NodeJS.Timeout | undefined
      const bound = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), PTY_WAIT_MS)))
      try {
        return await Promise.race([exited, bound])
      } finally {
        clearTimeout(timer)
      }
    },
  }
}
