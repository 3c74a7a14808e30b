/**
 * Where dnsplane looks for things on disk (pure: environment comes in as arguments).
 */
import { posix as path } from 'node:path'

/** Name of the main config file in every searched directory. */
export const CONFIG_FILE_NAME = 'dnsplane.json'
/** System-wide config file (the original used /etc/dnsplane.json, not /etc/dnsplane/). */
export const SYSTEM_CONFIG_PATH = '/etc/dnsplane.json'
/** File name of the TUI socket. */
export const SOCKET_FILE_NAME = 'dnsplane.socket'

/** Go's os.UserConfigDir on Linux: $XDG_CONFIG_HOME when set and absolute, else ~/.config. */
export function userConfigDir(env: NodeJS.ProcessEnv, homeDir: string): string {
  const xdg = env.XDG_CONFIG_HOME
  return xdg && path.isAbsolute(xdg) ? xdg : path.join(homeDir, '.config')
}

/**
 * Default `server_socket`: root uses <tmpdir>/dnsplane.socket ($TMPDIR or /tmp); other users
 * $XDG_RUNTIME_DIR/dnsplane.socket, else <user config dir>/dnsplane/dnsplane.socket.
 */
export function defaultServerSocket(opts: { isRoot: boolean; env: NodeJS.ProcessEnv; homeDir: string }): string {
  const { env } = opts
  if (opts.isRoot) return path.join(env.TMPDIR && path.isAbsolute(env.TMPDIR) ? env.TMPDIR : '/tmp', SOCKET_FILE_NAME)
  if (env.XDG_RUNTIME_DIR && path.isAbsolute(env.XDG_RUNTIME_DIR)) return path.join(env.XDG_RUNTIME_DIR, SOCKET_FILE_NAME)
  return path.join(userConfigDir(env, opts.homeDir), 'dnsplane', SOCKET_FILE_NAME)
}

/**
 * Candidate config files when no --config is given, in search order: next to the executable,
 * the user config dir, then the system file. (If none exists the caller creates one in cwd.)
 */
export function configSearchPaths(opts: {
  exeDir: string
  env: NodeJS.ProcessEnv
  homeDir: string
  systemConfigPath?: string
}): string[] {
  return [
    path.join(opts.exeDir, CONFIG_FILE_NAME),
    path.join(userConfigDir(opts.env, opts.homeDir), 'dnsplane', CONFIG_FILE_NAME),
    opts.systemConfigPath ?? SYSTEM_CONFIG_PATH,
  ]
}

/**
 * How the original reads `--config <arg>` without touching the disk: a trailing slash or a last
 * element without a dot means a directory. (An existing directory is also a directory; the
 * caller checks that.)
 */
export function looksLikeDirectory(arg: string): boolean {
  if (arg.endsWith('/')) return true
  return !path.basename(arg).includes('.')
}
