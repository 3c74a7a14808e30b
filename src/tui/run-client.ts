/**
 * runClient: `dnsplane client [target]` — the interactive TUI, one command with `-c`, or a script on stdin.
 * Talks to the daemon only through its HTTP control API (src/tui/daemon-client.ts): the UNIX
 * socket by default, or host[:port] over TCP with the API token.
 */
import os from 'node:os'
import path from 'node:path'
import { createElement } from 'react'
import { render } from 'ink'
import { App } from './App.js'
import { errorBlock } from './commands/execute.js'
import type { OutputBlock } from './commands/types.js'
import { asObject, asString } from './commands/shape.js'
import { createDaemonClient, resolveTarget, type DaemonClient } from './daemon-client.js'
import { formatJson, renderBlocks } from './format.js'
import { historyFilePath, loadHistory, saveHistory } from './history.js'
import { runLines, runOnce } from './run-once.js'

/** Largest script read from a non-terminal stdin. */
export const MAX_SCRIPT_BYTES = 1024 * 1024

export interface ClientOptions {
  /** Socket path, unix://path, host[:port], tcp://host:port or https://host:port; empty → socketPath. */
  target?: string
  /** API token for TCP targets; falls back to env DNSPLANE_API_TOKEN. */
  token?: string
  /** Run this one command line and exit. */
  command?: string
  /** With `command` (or a piped script): print the daemon's raw JSON. */
  json?: boolean
  /** Default socket (config `server_socket`); when absent the original's default location is used. */
  defaultSocket?: string
  /** This client's version; when given, a different daemon version is warned about. */
  clientVersion?: string
  /** Per-request timeout in milliseconds (default 15000). */
  timeoutMs?: number
}

export interface ClientIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  env: Record<string, string | undefined>
  /** Effective uid, for the default socket location (root uses the temp dir). */
  uid?: number
}

/** Exit code for bad usage (target, token policy) as opposed to a failed command (1). */
export const EXIT_USAGE = 2

/**
 * The original's default `server_socket`: root → <tmp>/dnsplane.socket; otherwise
 * $XDG_RUNTIME_DIR/dnsplane.socket, else <user config dir>/dnsplane/dnsplane.socket.
 */
export function defaultSocketPath(env: Record<string, string | undefined>, uid: number | undefined, home: string): string {
  if (uid === 0) return path.join(os.tmpdir(), 'dnsplane.socket')
  const runtime = env.XDG_RUNTIME_DIR?.trim()
  if (runtime) return path.join(runtime, 'dnsplane.socket')
  const configHome = env.XDG_CONFIG_HOME?.trim() || path.join(home, '.config')
  return path.join(configHome, 'dnsplane', 'dnsplane.socket')
}

function useColor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  return stream.isTTY === true && env.NO_COLOR === undefined
}

async function readBounded(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    size += b.length
    if (size > MAX_SCRIPT_BYTES) throw new Error(`script on stdin exceeds ${MAX_SCRIPT_BYTES} bytes`)
    chunks.push(b)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * The DaemonClient for `options.target` (default: the control socket), with the token from the
 * option or DNSPLANE_API_TOKEN. Throws DaemonClientError for a bad target or a remote target
 * without a token.
 */
export function clientFor(options: Pick<ClientOptions, 'target' | 'token' | 'defaultSocket' | 'timeoutMs'>, io: Pick<ClientIo, 'env' | 'uid'>): DaemonClient {
  const token = options.token?.trim() || io.env.DNSPLANE_API_TOKEN?.trim() || undefined
  const socket = options.defaultSocket ?? defaultSocketPath(io.env, io.uid, os.homedir())
  return createDaemonClient({ target: resolveTarget(options.target, socket), token, timeoutMs: options.timeoutMs })
}

/**
 * Runs the client and resolves to the exit code: 0 ok, 1 a command failed or the daemon is
 * unreachable (message names the socket/address and how to fix it), 2 bad target or a remote
 * target without a token. Never calls process.exit.
 */
export async function runClient(options: ClientOptions, io: ClientIo): Promise<number> {
  const color = useColor(io.stderr, io.env)
  const fail = (blocks: OutputBlock[], code: number): number => {
    io.stderr.write(renderBlocks(blocks, { color }))
    return code
  }
  let client: DaemonClient
  try {
    client = clientFor(options, io)
  } catch (err) {
    return fail([errorBlock(err, null, null).block], EXIT_USAGE)
  }

  const sinks = { stdout: io.stdout, stderr: io.stderr }
  if (options.command !== undefined) {
    return runOnce(options.command, client, sinks, { json: options.json, color: useColor(io.stdout, io.env) })
  }
  if (io.stdin.isTTY !== true) {
    let script: string
    try {
      script = await readBounded(io.stdin)
    } catch (err) {
      return fail([errorBlock(err, null, null).block], EXIT_USAGE)
    }
    return runLines(script.split('\n'), client, sinks, { json: options.json, color: useColor(io.stdout, io.env) })
  }

  // Interactive: check the daemon answers before drawing the prompt, so a dead socket or a 401 is one clear message.
  let version: string
  try {
    version = asString(asObject(await client.request({ method: 'GET', path: '/version' })).version)
  } catch (err) {
    const { block, raw } = errorBlock(err, null, null)
    if (options.json) io.stdout.write(`${formatJson(raw)}\n`)
    return fail([block], 1)
  }
  const banner: OutputBlock[] = [
    { kind: 'text', text: `connected to ${client.target.display} — dnsplane ${version || '(unknown version)'}. Type ? for help, exit to leave.`, tone: 'muted' },
  ]
  if (options.clientVersion && version !== '' && version !== options.clientVersion) {
    banner.push({ kind: 'text', text: `warning: client version ${options.clientVersion} differs from daemon version ${version}`, tone: 'warning' })
  }
  const historyFile = historyFilePath(io.env, os.homedir())
  const initialHistory = await loadHistory(historyFile)
  let saving: Promise<void> = Promise.resolve()
  const onHistoryChange = (entries: string[]): void => {
    // Writes are chained so an older history never overwrites a newer one.
    saving = saving.then(() => saveHistory(historyFile, entries)).catch(() => {
      // history is a convenience: a read-only home must not break the session
    })
  }
  const instance = render(createElement(App, { client, initialHistory, onHistoryChange, banner }), {
    stdin: io.stdin as NodeJS.ReadStream,
    stdout: io.stdout as NodeJS.WriteStream,
    stderr: io.stderr as NodeJS.WriteStream,
    exitOnCtrlC: false,
  })
  await instance.waitUntilExit()
  await saving
  return 0
}
