/**
 * runTop: `dnsplane top [target]` — checks that the daemon answers, then draws the Top dashboard
 * until q/Esc/Ctrl-C. Needs a terminal: without one it says so and exits 2.
 */
import { createElement } from 'react'
import { render } from 'ink'
import { errorBlock } from './commands/execute.js'
import { renderBlocks } from './format.js'
import { clientFor, EXIT_USAGE, type ClientIo, type ClientOptions } from './run-client.js'
import { Top } from './top/Top.js'

/** Default and bounds of `--interval`, milliseconds. */
export const DEFAULT_TOP_INTERVAL_MS = 1000
export const MIN_TOP_INTERVAL_MS = 200
export const MAX_TOP_INTERVAL_MS = 60_000

export interface TopOptions extends Pick<ClientOptions, 'target' | 'token' | 'defaultSocket'> {
  /** Seconds between polls, as typed (default 1). */
  interval?: string
}

/** `--interval` seconds → milliseconds; undefined when out of range or not a number. */
export function topIntervalMs(text: string | undefined): number | undefined {
  if (text === undefined) return DEFAULT_TOP_INTERVAL_MS
  const ms = Math.round(Number(text) * 1000)
  return Number.isFinite(ms) && ms >= MIN_TOP_INTERVAL_MS && ms <= MAX_TOP_INTERVAL_MS ? ms : undefined
}

/** Resolves to the exit code: 0 after q, 1 daemon unreachable, 2 bad usage or no terminal. */
export async function runTop(options: TopOptions, io: ClientIo): Promise<number> {
  const fail = (err: unknown, code: number): number => {
    io.stderr.write(renderBlocks([errorBlock(err, null, null).block], { color: io.stderr.isTTY === true && io.env.NO_COLOR === undefined }))
    return code
  }
  const intervalMs = topIntervalMs(options.interval)
  if (intervalMs === undefined) return fail(new Error(`--interval must be seconds between ${MIN_TOP_INTERVAL_MS / 1000} and ${MAX_TOP_INTERVAL_MS / 1000}, got "${options.interval}"`), EXIT_USAGE)
  if (io.stdin.isTTY !== true || io.stdout.isTTY !== true) return fail(new Error('dnsplane top needs a terminal (use `dnsplane client -c "stats once"` in scripts)'), EXIT_USAGE)
  let client
  try {
    client = clientFor(options, io)
  } catch (err) {
    return fail(err, EXIT_USAGE)
  }
  try {
    await client.request({ method: 'GET', path: '/version' })
  } catch (err) {
    return fail(err, 1)
  }
  const instance = render(createElement(Top, { client, intervalMs }), {
    stdin: io.stdin as NodeJS.ReadStream,
    stdout: io.stdout as NodeJS.WriteStream,
    stderr: io.stderr as NodeJS.WriteStream,
    exitOnCtrlC: false,
  })
  await instance.waitUntilExit()
  return 0
}
