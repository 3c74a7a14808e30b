/**
 * Fast entry for `dnsplane health`: keepalived runs it every few seconds, so it must not load the whole
 * program (commander, the daemon, fastify, Ink). bin/dnsplane.js comes here for `health`; anything this
 * small parser does not know (--help, a typo) falls back to the full command line in main.ts.
 */
import { checkHealth, DEFAULT_HEALTH_TIMEOUT_MS, DEFAULT_HEALTH_URL } from './commands/health.js'

export interface HealthArgs {
  url: string
  timeoutMs: number
  quiet: boolean
}

/** Parses the arguments after `health`; undefined when main.ts must handle them (help, unknown options). */
export function parseHealthArgs(args: readonly string[]): HealthArgs | undefined {
  const out = { url: DEFAULT_HEALTH_URL, timeout: String(DEFAULT_HEALTH_TIMEOUT_MS), quiet: false }
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    const eq = a.indexOf('=')
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined
    if (name === '-q' || name === '--quiet') {
      if (inline !== undefined) return undefined
      out.quiet = true
    } else if (name === '--url' || name === '--timeout') {
      const value = inline ?? args[++i]
      if (value === undefined) return undefined
      if (name === '--url') out.url = value
      else out.timeout = value
    } else {
      return undefined
    }
  }
  const t = Number(out.timeout)
  return { url: out.url, quiet: out.quiet, timeoutMs: Number.isFinite(t) && t > 0 ? t : DEFAULT_HEALTH_TIMEOUT_MS }
}

/** Runs `dnsplane health` from process.argv; falls back to the full command line when needed. */
export async function runHealthEntry(args: readonly string[]): Promise<void> {
  const parsed = parseHealthArgs(args)
  if (!parsed) {
    await import('./main.js')
    return
  }
  const result = await checkHealth({ url: parsed.url, timeoutMs: parsed.timeoutMs })
  if (!result.ok) process.stderr.write(result.line + '\n')
  else if (!parsed.quiet) process.stdout.write(result.line + '\n')
  process.exitCode = result.ok ? 0 : 1
}
