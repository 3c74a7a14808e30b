/** `server` context: settings, status and version via /api/v1/config, /api/v1/status, /version. */
import { asObject, asString, messagesOf } from './shape.js'
import { UsageError, type CommandSpec, type ContextSpec, type OutputBlock } from './types.js'

/** Keys whose values are secrets: never printed, even if a daemon forgot to redact them. */
export const SECRET_KEY = /token|secret|password|passwd|private_key/i

/** "(set)" / "(empty)" for a secret value; other values unchanged. */
export function redactValue(key: string, value: unknown): unknown {
  if (!SECRET_KEY.test(key)) return value
  if (value === '' || value === null || value === undefined || value === '(empty)') return '(empty)'
  if (Array.isArray(value)) return `(${value.length} set)`
  return '(set)'
}

/** Flattens nested settings to `a.b` keys with printable values, secrets redacted. */
export function flattenSettings(value: unknown, prefix = '', out: [string, string][] = []): [string, string][] {
  const obj = asObject(value)
  for (const key of Object.keys(obj).sort()) {
    const full = prefix === '' ? key : `${prefix}.${key}`
    const v = redactValue(full, obj[key])
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flattenSettings(v, full, out)
    else if (Array.isArray(v)) out.push([full, v.length === 0 ? '[]' : v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ')])
    else out.push([full, v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v)])
  }
  return out
}

const config: CommandSpec = {
  name: 'config',
  usage: '[filter]',
  summary: 'show the running settings (secrets shown as (set)); filter = part of a key',
  examples: ['server config', 'server config cluster'],
  async run(args, env) {
    if (args.length > 1) throw new UsageError('expected at most one filter')
    const raw = await env.client.request({ method: 'GET', path: '/api/v1/config' })
    const filter = args[0]?.toLowerCase()
    const rows = flattenSettings(raw).filter(([k]) => filter === undefined || k.toLowerCase().includes(filter))
    return { output: [{ kind: 'table', columns: ['Setting', 'Value'], rows, empty: 'no matching settings' }], raw: redactDeep(raw) }
  },
}

function redactDeep(value: unknown, prefix = ''): unknown {
  if (Array.isArray(value)) return value
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    const full = prefix === '' ? k : `${prefix}.${k}`
    const red = redactValue(full, v)
    out[k] = red !== v ? red : redactDeep(v, full)
  }
  return out
}

const set: CommandSpec = {
  name: 'set',
  usage: '<setting> <value>',
  summary: "change a setting in memory (run 'server save' to persist); quote values with spaces",
  details: ['lists (cluster_peers, cluster_allowed_writer_node_ids): a JSON array or a comma list', 'booleans: true/false/1/0'],
  examples: ['server set cache_records true', 'server set cluster_peers 10.0.0.2:7946,10.0.0.3:7946', 'server set log_severity debug'],
  argCompletion: 'settings',
  async run(args, env) {
    if (args.length !== 2) throw new UsageError('expected exactly <setting> <value>')
    const [key, value] = args
    const raw = await env.client.request({ method: 'POST', path: '/api/v1/config/set', body: { key, value } })
    const o = asObject(raw)
    const shownKey = asString(o.key) || key
    const shown = redactValue(shownKey, o.value ?? value)
    const out: OutputBlock[] = [
      { kind: 'text', text: `${shownKey} = ${typeof shown === 'string' ? shown : JSON.stringify(shown)}`, tone: 'success' },
    ]
    if (o.restart_required === true) out.push({ kind: 'text', text: 'takes effect after a restart of the daemon', tone: 'warning' })
    out.push({ kind: 'text', text: "Run 'server save' to persist the change to the config file.", tone: 'muted' })
    return { output: out, raw: { ...o, value: shown } }
  },
}

function simple(name: string, path: string, done: string, summary: string): CommandSpec {
  return {
    name,
    usage: '',
    summary,
    examples: [`server ${name}`],
    async run(args, env) {
      if (args.length > 0) throw new UsageError(`${name} takes no arguments`)
      const raw = await env.client.request({ method: 'POST', path })
      const out: OutputBlock[] = [{ kind: 'text', text: done, tone: 'success' }]
      for (const m of messagesOf(raw)) out.push({ kind: 'text', text: m, tone: 'warning' })
      return { output: out, raw }
    },
  }
}

const status: CommandSpec = {
  name: 'status',
  usage: '[dns|api|client|cluster]',
  summary: 'show listeners and service status',
  examples: ['server status', 'server status dns'],
  subcommands: ['dns', 'api', 'client', 'cluster'],
  async run(args, env) {
    if (args.length > 1) throw new UsageError('expected at most one of dns, api, client, cluster')
    const raw = await env.client.request({ method: 'GET', path: '/api/v1/status' })
    const filter = args[0]?.toLowerCase()
    const rows = flattenSettings(raw).filter(([k]) => filter === undefined || k.toLowerCase().includes(filter))
    return { output: [{ kind: 'table', columns: ['Item', 'Value'], rows, empty: 'nothing to show' }], raw }
  },
}

const version: CommandSpec = {
  name: 'version',
  usage: '',
  summary: 'show the daemon version',
  examples: ['server version'],
  async run(args, env) {
    if (args.length > 0) throw new UsageError('version takes no arguments')
    const raw = await env.client.request({ method: 'GET', path: '/version' })
    // /version keeps the original's `go_version` (holding the Node.js version) for old scripts;
    // this is not Go, so the TUI shows only node_version.
    const { go_version: goVersion, ...o } = asObject(raw)
    if (o.node_version === undefined && goVersion !== undefined) o.node_version = goVersion
    const out: OutputBlock[] = [{ kind: 'text', text: `dnsplane ${asString(o.version) || '(unknown)'}` }]
    const rest = Object.keys(o).filter((k) => k !== 'version')
    if (rest.length > 0) out.push({ kind: 'text', text: rest.map((k) => `${k}: ${asString(o[k]) || JSON.stringify(o[k])}`).join('\n'), tone: 'muted' })
    return { output: out, raw: o }
  },
}

export const SERVER_CONTEXT: ContextSpec = {
  name: 'server',
  summary: 'daemon settings, status and version',
  commands: [
    config,
    set,
    simple('save', '/api/v1/config/save', 'config saved', 'write the in-memory settings to the config file'),
    simple('load', '/api/v1/config/load', 'config loaded', 're-read the config file and apply it'),
    status,
    version,
  ],
}
