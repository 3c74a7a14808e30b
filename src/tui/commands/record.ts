/** `record` context: local authoritative records via /dns/records. */
import { parseListArgs, parseRecordArgs, parseRemoveArgs } from './args.js'
import { massDelete } from './record-mass-delete.js'
import { asArray, asObject, asString, statusBlocks } from './shape.js'
import { UsageError, type CommandSpec, type ContextSpec, type OutputBlock } from './types.js'

const add: CommandSpec = {
  name: 'add',
  usage: '<name> [type] <value> [ttl]',
  summary: 'add a record (two args: IP and name in either order, type A/AAAA inferred; ttl defaults to 3600)',
  examples: ['record add www.example.com 192.0.2.10', 'record add example.com MX "10 mail.example.com" 600', 'record add txt.example.com TXT "v=spf1 -all"'],
  argCompletion: 'record-types',
  async run(args, env) {
    const r = parseRecordArgs(args)
    const raw = await env.client.request({ method: 'POST', path: '/dns/records', body: r })
    return { output: statusBlocks(raw, 'record added'), raw, effect: 'records-changed' }
  },
}

const update: CommandSpec = {
  name: 'update',
  usage: '<name> [type] <value> [ttl]',
  summary: 'update the TTL of the record matching name, type and value (adds it when missing)',
  examples: ['record update www.example.com A 192.0.2.10 300'],
  argCompletion: 'record-names',
  async run(args, env) {
    const r = parseRecordArgs(args)
    const raw = await env.client.request({ method: 'PUT', path: '/dns/records', body: r })
    return { output: statusBlocks(raw, 'record updated'), raw, effect: 'records-changed' }
  },
}

const remove: CommandSpec = {
  name: 'remove',
  aliases: ['rm', 'delete', 'del'],
  usage: '<name> [type] [value] | <id>',
  summary: 'remove records by name (only record of that name), name+type, name+value or a record id',
  examples: ['record remove www.example.com 192.0.2.10', 'record remove example.com MX "10 mail.example.com"'],
  argCompletion: 'record-names',
  async run(args, env) {
    const r = parseRemoveArgs(args)
    const query = 'id' in r ? { id: r.id } : { name: r.name, type: r.type, value: r.value }
    const raw = await env.client.request({ method: 'DELETE', path: '/dns/records', query })
    return { output: statusBlocks(raw, 'record deleted'), raw, effect: 'records-changed' }
  },
}

/** Renders a /dns/records answer as a table. */
export function recordTable(raw: unknown, details: boolean): OutputBlock {
  const rows = asArray(asObject(raw).records).map((v) => {
    const r = asObject(v)
    const base = [asString(r.name), asString(r.type), asString(r.value), asString(r.ttl)]
    return details ? [...base, asString(r.added_on), asString(r.updated_on), asString(r.last_query), asString(r.id)] : base
  })
  const columns = details ? ['Name', 'Type', 'Value', 'TTL', 'Added', 'Updated', 'Last query', 'ID'] : ['Name', 'Type', 'Value', 'TTL']
  return { kind: 'table', columns, rows, empty: 'no records' }
}

const list: CommandSpec = {
  name: 'list',
  usage: '[details|d] [filter]',
  summary: 'list records; filter is a type (A, MX…) or part of a name; details adds timestamps and ids',
  examples: ['record list', 'record list MX', 'record list d example'],
  argCompletion: 'record-names',
  async run(args, env) {
    const f = parseListArgs(args)
    const raw = await env.client.request({
      method: 'GET',
      path: '/dns/records',
      query: { name: f.name, type: f.type, details: f.details ? '1' : undefined },
    })
    const out: OutputBlock[] = [recordTable(raw, f.details)]
    const n = asArray(asObject(raw).records).length
    if (n > 0) out.push({ kind: 'text', text: `${n} record${n === 1 ? '' : 's'}`, tone: 'muted' })
    return { output: out, raw }
  },
}

const reload: CommandSpec = {
  name: 'reload',
  aliases: ['load'],
  usage: '',
  summary: 'reload records from their source (file/url/git) into memory; no cluster push',
  examples: ['record reload'],
  async run(args, env) {
    if (args.length > 0) throw new UsageError('reload takes no arguments')
    const raw = await env.client.request({ method: 'POST', path: '/dns/records/reload' })
    const o = asObject(raw)
    const n = typeof o.records === 'number' ? ` (${o.records} records)` : ''
    return { output: [{ kind: 'text', text: `${asString(o.status) || 'reloaded'}${n}`, tone: 'success' }], raw, effect: 'records-changed' }
  },
}

export const RECORD_CONTEXT: ContextSpec = {
  name: 'record',
  summary: 'local DNS records',
  commands: [add, update, remove, list, reload, massDelete],
}
