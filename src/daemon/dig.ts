/**
 * `tools dig`: ask every selected upstream (or one given server) the same question in parallel
 * and report each one's outcome, as the original's TUI tool does.
 */
import type { DigQuery, DigRow } from '../api/deps.js'
import type { Forwarder } from '../dns/forward/forwarder.js'
import { selectUpstreams, type FallbackEndpoint, type UpstreamEndpoint, type UpstreamServerRow } from '../dns/forward/upstream-select.js'
import { formatRrLine } from '../dns/wire/upstream-rr.js'

export interface DigDeps {
  forwarder: Forwarder
  rows: () => readonly UpstreamServerRow[]
  fallback: () => FallbackEndpoint | undefined
  timeoutMs: number
  now: () => number
}

/** Runs the query against each endpoint separately; never throws for a failed upstream. */
export async function digAll(query: DigQuery, deps: DigDeps): Promise<DigRow[]> {
  const name = query.name.replace(/\.+$/, '')
  const type = (query.type || 'A').toUpperCase()
  const endpoints: UpstreamEndpoint[] = query.server
    ? [{ address: query.server, port: query.port ?? 53, transport: 'udp', addressPort: `${query.server}:${query.port ?? 53}` }]
    : selectUpstreams(name, deps.rows(), { fallback: deps.fallback() }).endpoints
  return Promise.all(
    endpoints.map(async (ep): Promise<DigRow> => {
      const started = deps.now()
      const result = await deps.forwarder.forward({ name, type, endpoints: [ep], timeoutMs: deps.timeoutMs })
      const time_ms = deps.now() - started
      if (result.kind === 'none') {
        return { server: ep.addressPort, status: 'ERROR', time_ms, answers: [], error: result.reason }
      }
      const answers = result.answers.map((a) => formatRrLine(a))
      const status: DigRow['status'] = answers.length === 0 ? 'NO ANSWER' : 'OK'
      return { server: ep.addressPort, status, time_ms, answers }
    }),
  )
}
