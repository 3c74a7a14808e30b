/** A fake DaemonClient for TUI tests: answers from a route table and records every request. */
import { DaemonClientError, type DaemonClient, type DaemonRequest } from '../../src/tui/daemon-client.js'
import type { DaemonTarget } from '../../src/tui/daemon-target.js'

export type FakeHandler = unknown | ((req: DaemonRequest) => unknown)

export interface FakeDaemonClient extends DaemonClient {
  calls: DaemonRequest[]
  routes: Record<string, FakeHandler>
}

const TARGET: DaemonTarget = { kind: 'unix', path: '/tmp/fake.sock', display: '/tmp/fake.sock' }

/** Routes are keyed "METHOD /path" (no query). A function handler may throw to simulate an error. */
export function fakeClient(routes: Record<string, FakeHandler> = {}): FakeDaemonClient {
  const calls: DaemonRequest[] = []
  return {
    target: TARGET,
    calls,
    routes,
    async request(req) {
      calls.push(req)
      const key = `${req.method} ${req.path}`
      if (!(key in routes)) {
        throw new DaemonClientError('ERR_NOT_FOUND', `no route ${key} (HTTP 404)`, { status: 404, body: { error: 'not found' } })
      }
      const h = routes[key]
      return typeof h === 'function' ? await (h as (r: DaemonRequest) => unknown)(req) : structuredClone(h)
    },
  }
}

/** An original-style API error (`{"error": "...", "messages": [...]}`). */
export function apiError(status: number, error: string, messages?: string[]): () => never {
  return () => {
    throw new DaemonClientError(status === 401 ? 'ERR_UNAUTHORIZED' : 'ERR_BAD_REQUEST', `${error} (HTTP ${status})`, {
      status,
      messages,
      body: { error, messages },
    })
  }
}
