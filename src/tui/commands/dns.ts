/** `dns` context: upstream servers via /dns/servers. Changes are saved by the daemon at once. */
import { parseServerArgs, SERVER_KEYS, type ServerFields } from './args.js'
import { asArray, asObject, asString, segment, statusBlocks } from './shape.js'
import { UsageError, type CommandSpec, type ContextSpec } from './types.js'

const KEYS_HELP = [
  `keys: ${[...new Set(Object.keys(SERVER_KEYS))].join(', ')}`,
  'booleans: true/false/1/0; whitelist:a.com,b.com (empty clears); fallback_address: (empty clears fallback)',
]

/** Body for POST/PUT: a cleared fallback_address also clears the other fallback fields. */
function serverBody(f: ServerFields): Record<string, unknown> {
  const body: Record<string, unknown> = { ...f }
  if (f.fallback_address === '') {
    body.fallback_port = 0
    body.fallback_transport = ''
    body.fallback_doh_url = ''
  }
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k]
  return body
}

const add: CommandSpec = {
  name: 'add',
  usage: '<ip> [port] [key:value…]',
  summary: 'add an upstream DNS server (port defaults to 53)',
  details: KEYS_HELP,
  examples: ['dns add 1.1.1.1', 'dns add 192.168.1.1 53 localresolver:true whitelist:home.lan,corp.lan', 'dns add 9.9.9.9 active:false'],
  async run(args, env) {
    const f = parseServerArgs(args)
    const raw = await env.client.request({ method: 'POST', path: '/dns/servers', body: serverBody(f) })
    return { output: statusBlocks(raw, 'server added'), raw }
  },
}

const update: CommandSpec = {
  name: 'update',
  usage: '<ip> [port] [key:value…]',
  summary: 'change an upstream server; settings not given keep their current values',
  details: KEYS_HELP,
  examples: ['dns update 1.1.1.1 active:false', 'dns update 192.168.1.1 5353 adblocker:true'],
  async run(args, env) {
    const f = parseServerArgs(args)
    // PUT replaces the whole entry (an omitted port becomes 53), so start from the current one.
    const current = await env.client.request({ method: 'GET', path: '/dns/servers' })
    const existing = asArray(asObject(current).servers)
      .map(asObject)
      .find((s) => asString(s.address) === f.address)
    if (!existing) throw new UsageError(`server ${f.address} is not configured (see dns list)`)
    const merged: Record<string, unknown> = { ...existing, ...serverBody(f) }
    const raw = await env.client.request({ method: 'PUT', path: `/dns/servers/${segment(f.address)}`, body: merged })
    return { output: statusBlocks(raw, 'server updated'), raw }
  },
}

const remove: CommandSpec = {
  name: 'remove',
  aliases: ['rm', 'delete', 'del'],
  usage: '<ip>',
  summary: 'remove an upstream server',
  examples: ['dns remove 9.9.9.9'],
  async run(args, env) {
    if (args.length !== 1) throw new UsageError('expected exactly one address')
    const raw = await env.client.request({ method: 'DELETE', path: `/dns/servers/${segment(args[0])}` })
    return { output: statusBlocks(raw, 'server removed'), raw }
  },
}

const yesNo = (v: unknown): string => (v === true ? 'yes' : v === false ? 'no' : asString(v))

const list: CommandSpec = {
  name: 'list',
  usage: '[--limit N] [--page P]',
  pageable: true,
  summary: 'list upstream servers',
  examples: ['dns list'],
  async run(args, env) {
    if (args.length > 0) throw new UsageError('list takes no arguments')
    const raw = await env.client.request({ method: 'GET', path: '/dns/servers' })
    const rows = asArray(asObject(raw).servers).map((v) => {
      const s = asObject(v)
      const fb = asString(s.fallback_address)
      return [
        asString(s.address),
        asString(s.port),
        yesNo(s.active),
        yesNo(s.local_resolver),
        yesNo(s.adblocker),
        asArray(s.domain_whitelist).map(asString).join(','),
        asString(s.transport),
        fb === '' ? '' : `${fb}${s.fallback_port ? `:${asString(s.fallback_port)}` : ''}`,
      ]
    })
    return {
      output: [{ kind: 'table', columns: ['Address', 'Port', 'Active', 'Local', 'AdBlocker', 'Whitelist', 'Transport', 'Fallback'], rows, empty: 'no upstream servers configured' }],
      raw,
    }
  },
}

export const DNS_CONTEXT: ContextSpec = {
  name: 'dns',
  summary: 'upstream DNS servers',
  commands: [add, update, remove, list],
}
