/**
 * `dnsplane client`, `dnsplane cluster …` and `dnsplane top`: find the default control socket (from the config when
 * one is found, else the platform default) and hand over to the TUI's runClient.
 */
import { homedir } from 'node:os'
import { runClient } from '../../tui/run-client.js'
import { defaultServerSocket } from '../../config/paths.js'

export interface ClientCommandOptions {
  target?: string
  command?: string
  json?: boolean
  token?: string
  config?: string
}

/** The control socket: server_socket of `--config` when given and readable, else the platform default. */
export async function defaultSocketFor(config: string | undefined): Promise<string> {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  const socket = defaultServerSocket({ isRoot, env: process.env, homeDir: homedir() })
  return (config ? await socketFromConfig(config) : undefined) ?? socket
}

export async function runClientCommand(opts: ClientCommandOptions): Promise<number> {
  const socket = await defaultSocketFor(opts.config)
  return runClient(
    { target: opts.target, token: opts.token, command: opts.command, json: opts.json, defaultSocket: socket },
    { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env },
  )
}

/** `dnsplane top [target]`. */
export async function runTopCommand(opts: { target?: string; token?: string; config?: string; interval?: string }): Promise<number> {
  const { runTop } = await import('../../tui/run-top.js')
  const socket = await defaultSocketFor(opts.config)
  return runTop(
    { target: opts.target, token: opts.token, interval: opts.interval, defaultSocket: socket },
    { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env },
  )
}

/** server_socket from a dnsplane.json (file or directory), without validating or creating anything. */
async function socketFromConfig(path: string): Promise<string | undefined> {
  const { readFile, stat } = await import('node:fs/promises')
  const { join, dirname, resolve } = await import('node:path')
  let file = resolve(path)
  try {
    if ((await stat(file)).isDirectory()) file = join(file, 'dnsplane.json')
    const parsed = JSON.parse((await readFile(file, 'utf8')).slice(0, 1024 * 1024)) as { server_socket?: unknown; client_socket_path?: unknown }
    const value = parsed.server_socket ?? parsed.client_socket_path
    return typeof value === 'string' && value !== '' ? resolve(dirname(file), value) : undefined
  } catch {
    return undefined // unreadable config: fall back to the default socket, the connect error will say where
  }
}
