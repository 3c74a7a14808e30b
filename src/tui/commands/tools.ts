/** `tools` context: diagnostics run by the daemon (/api/v1/tools/dig). */
import { parseDigArgs } from './args.js'
import { asArray, asObject, asString } from './shape.js'
import type { CommandSpec, ContextSpec } from './types.js'

const dig: CommandSpec = {
  name: 'dig',
  usage: '[type] <name|ip> [type] [@server] [port]',
  summary: 'query the upstream servers (or one @server) in parallel and compare answers',
  examples: ['tools dig example.com', 'tools dig MX example.com', 'tools dig example.com AAAA @1.1.1.1', 'tools dig 192.0.2.1'],
  argCompletion: 'record-names',
  async run(args, env) {
    const d = parseDigArgs(args)
    const body: Record<string, unknown> = { name: d.name }
    if (d.type) body.type = d.type
    if (d.server) body.server = d.server
    if (d.port) body.port = d.port
    const raw = await env.client.request({ method: 'POST', path: '/api/v1/tools/dig', body, timeoutMs: 30_000 })
    const rows = asArray(asObject(raw).rows).map((v) => {
      const r = asObject(v)
      const t = r.time_ms
      return [asString(r.server), asString(r.status), typeof t === 'number' ? `${t.toFixed(1)} ms` : asString(t), asString(r.answer)]
    })
    return { output: [{ kind: 'table', columns: ['Server', 'Status', 'Time', 'Answer'], rows, empty: 'no servers queried' }], raw }
  },
}

export const TOOLS_CONTEXT: ContextSpec = {
  name: 'tools',
  summary: 'diagnostics (dig)',
  commands: [dig],
}
