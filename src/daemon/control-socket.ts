/**
 * Making the control socket path free before listening on it. Only a stale UNIX socket (one no process
 * answers on) is removed: any other file is left alone and start-up is refused, and so is a socket a
 * live server answers on (a second node on the same host must not take over the first one's socket).
 */
import { lstat, mkdir, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { dirname } from 'node:path'
import { DnsplaneError } from '../errors.js'

/** How long a connect to an existing socket may take before it counts as live (a stale one refuses at once). */
export const SOCKET_PROBE_TIMEOUT_MS = 1000

const FIX = 'set "server_socket" in dnsplane.json or pass --server-socket'

/** What answered a connect to an existing socket path. */
export type SocketProbe = 'live' | 'stale' | 'gone' | 'timeout'

/** Tries to connect to the UNIX socket at `path`: 'stale' when nothing listens, 'live' when something does. */
export function probeSocket(path: string, timeoutMs = SOCKET_PROBE_TIMEOUT_MS): Promise<SocketProbe> {
  return new Promise((resolve) => {
    const sock = connect({ path })
    const done = (result: SocketProbe) => {
      clearTimeout(timer)
      sock.destroy()
      resolve(result)
    }
    const timer = setTimeout(() => done('timeout'), timeoutMs)
    sock.once('connect', () => done('live'))
    sock.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') done('stale')
      else if (err.code === 'ENOENT') done('gone')
      // EACCES and the like: someone else's socket; never remove it
      else done('live')
    })
  })
}

/**
 * Creates the socket's folder and removes a stale socket at `path`. Throws ERR_BIND_FAILED naming the
 * path when the path is not a socket, or when a server answers on it (or does not answer in time).
 */
export async function prepareSocketPath(path: string, timeoutMs = SOCKET_PROBE_TIMEOUT_MS): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  let isSocket: boolean
  try {
    isSocket = (await lstat(path)).isSocket()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw new DnsplaneError('ERR_BIND_FAILED', `control socket ${path}: ${(err as Error).message}; ${FIX}`, { cause: err })
  }
  if (!isSocket) {
    throw new DnsplaneError('ERR_BIND_FAILED', `control socket ${path}: the path exists and is not a socket; refusing to remove it; remove it yourself or ${FIX}`)
  }
  const probe = await probeSocket(path, timeoutMs)
  if (probe === 'live' || probe === 'timeout') {
    const why = probe === 'live' ? 'another server is listening on it (is a second node running on this host?)' : `it did not answer within ${timeoutMs} ms`
    throw new DnsplaneError('ERR_BIND_FAILED', `control socket ${path}: ${why}; refusing to take it over; stop that server or ${FIX}`)
  }
  // A socket left by a killed process: listen would fail with EADDRINUSE.
  if (probe === 'stale') await rm(path, { force: true })
}

/** At stop: removes the socket file if it is still a socket (never a file someone put there since). */
export async function removeSocketFile(path: string): Promise<void> {
  try {
    if ((await lstat(path)).isSocket()) await rm(path, { force: true })
  } catch {
    // already gone (closing the server usually unlinks it)
  }
}
