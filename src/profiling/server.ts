/**
 * The profiling endpoint that replaces the original's Go pprof (`pprof_enabled`, `pprof_listen`): a small
 * plain-HTTP server with two routes,
 *   GET /debug/cpu-profile?seconds=N  a V8 CPU profile of the next N seconds (1..60, default 10), as a
 *                                     .cpuprofile JSON (Chrome DevTools, speedscope, VS Code open it);
 *   GET /debug/heap-snapshot          a V8 heap snapshot (.heapsnapshot JSON), streamed.
 * No authentication: the daemon binds it to loopback only (a heap snapshot holds every secret in memory).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { Session } from 'node:inspector'
import { getHeapSnapshot } from 'node:v8'
import { pipeline } from 'node:stream/promises'
import type { AddressInfo } from 'node:net'

export const CPU_PROFILE_MIN_SECONDS = 1
export const CPU_PROFILE_MAX_SECONDS = 60
export const CPU_PROFILE_DEFAULT_SECONDS = 10

export interface ProfilingServer {
  address(): AddressInfo
  close(): Promise<void>
}

/** `seconds` of a CPU profile request: an integer clamped to 1..60; absent or unreadable → the default. */
export function profileSeconds(raw: string | null): number {
  const n = raw === null ? NaN : Number.parseInt(raw, 10)
  if (!Number.isFinite(n)) return CPU_PROFILE_DEFAULT_SECONDS
  return Math.min(CPU_PROFILE_MAX_SECONDS, Math.max(CPU_PROFILE_MIN_SECONDS, n))
}

function post<T>(session: Session, method: string): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, (err, result) => (err ? reject(err) : resolve(result as T)))
  })
}

/** Profiles this process's main thread for `seconds` and returns the profile object. */
export async function cpuProfile(seconds: number, wait: (ms: number) => Promise<void>): Promise<unknown> {
  const session = new Session()
  session.connect()
  try {
    await post(session, 'Profiler.enable')
    await post(session, 'Profiler.start')
    await wait(seconds * 1000)
    const { profile } = await post<{ profile: unknown }>(session, 'Profiler.stop')
    return profile
  } finally {
    session.disconnect()
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref())

function fail(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return void res.destroy()
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: message }))
}

/** One profile at a time: two overlapping V8 profiles would each see the other's cost. */
async function handle(req: IncomingMessage, res: ServerResponse, state: { busy: boolean }): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost')
  const route = url.pathname
  if (route !== '/debug/cpu-profile' && route !== '/debug/heap-snapshot') return fail(res, 404, 'not found')
  if (req.method !== 'GET') return fail(res, 405, 'method not allowed')
  if (state.busy) return fail(res, 429, 'a profile is already being taken')
  state.busy = true
  try {
    if (route === '/debug/cpu-profile') {
      const profile = await cpuProfile(profileSeconds(url.searchParams.get('seconds')), sleep)
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-disposition': 'attachment; filename="dnsplane.cpuprofile"',
      })
      res.end(JSON.stringify(profile))
    } else {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-disposition': 'attachment; filename="dnsplane.heapsnapshot"',
      })
      await pipeline(getHeapSnapshot(), res)
    }
  } finally {
    state.busy = false
  }
}

/** Listens on host:port (the caller has checked that host is loopback). */
export async function startProfilingServer(host: string, port: number): Promise<ProfilingServer> {
  const state = { busy: false }
  const server: Server = createServer((req, res) => {
    handle(req, res, state).catch((err: unknown) => fail(res, 500, err instanceof Error ? err.message : String(err)))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return {
    address: () => server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
