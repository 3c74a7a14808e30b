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
    // The daemon answers {query, results: DigRow[]}; each row has `answers` (one RR per string) and an optional `error`.
    // Further answers of the same server go on their own rows with the first three cells empty.
    const rows = asArray(asObject(raw).results).flatMap((v) => {
      const r = asObject(v)
      const t = r.time_ms
      const answers = asArray(r.answers).map(asString).filter((a) => a !== '')
      const first = answers[0] ?? asString(r.error)
      const head = [asString(r.server), asString(r.status), typeof t === 'number' ? `${t.toFixed(1)} ms` : asString(t), first]
      return [head, ...answers.slice(1).map((a) => ['', '', '', a])]
    })
    return { output: [{ kind: 'table', columns: ['Server', 'Status', 'Time', 'Answer'], rows, empty: 'no servers queried' }], raw }
  },
}

export const TOOLS_CONTEXT: ContextSpec = {
  name: 'tools',
  summary: 'diagnostics (dig)',
  commands: [dig],
}
