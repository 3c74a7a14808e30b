/** `record` context: local authoritative records via /dns/records. */
import { parseListArgs, parseRecordArgs, parseRemoveArgs, shellValue } from './args.js'
import { flush } from './record-flush.js'
import { massDelete } from './record-mass-delete.js'
import { nameKey, valueKey } from '../../store/record.js'
import { asArray, asObject, asString, messagesOf, statusBlocks } from './shape.js'
import { UsageError, type CommandEnv, type CommandSpec, type ContextSpec, type OutputBlock } from './types.js'

const DUPLICATE = /already exists/i
const YES_FLAGS = new Set(['--yes', '-y'])

const add: CommandSpec = {
  name: 'add',
  usage: '<name> [type] <value> [ttl]',
  summary: 'add a record (two args: IP and name in either order, type A/AAAA inferred; ttl defaults to 3600)',
  examples: ['record add www.example.com 192.0.2.10', 'record add example.com MX "10 mail.example.com" 600', 'record add txt.example.com TXT "v=spf1 -all"'],
  argCompletion: 'record-types',
  async run(args, env) {
    const r = parseRecordArgs(args)
    const raw = await env.client.request({ method: 'POST', path: '/dns/records', body: r })
    // The daemon answers an exact duplicate with status "record added" and messages ["record already
    // exists"] although it added nothing: say so instead of claiming success first.
    const messages = messagesOf(raw)
    if (messages.some((m) => DUPLICATE.test(m))) {
      const out: OutputBlock[] = [{ kind: 'text', text: 'record already exists; nothing added', tone: 'warning' }]
      for (const m of messages) if (!DUPLICATE.test(m)) out.push({ kind: 'text', text: m, tone: 'warning' })
      return { output: out, raw }
    }
    return { output: statusBlocks(raw, 'record added'), raw, effect: 'records-changed' }
  },
}

const TO_FLAGS = new Set(['--to', '--value'])

/** Takes `--to <new value>` (or `--to=<new value>`) out of args. */
function splitTo(args: readonly string[]): { args: string[]; to?: string } {
  const rest: string[] = []
  let to: string | undefined
  for (let i = 0; i < args.length; i++) {
    const eq = /^--(?:to|value)=(.*)$/s.exec(args[i])
    if (eq) to = eq[1]
    else if (TO_FLAGS.has(args[i])) {
      to = args[++i]
      if (to === undefined || to === '') throw new UsageError(`${args[i - 1]} expects the new value`)
    } else rest.push(args[i])
  }
  return { args: rest, to }
}

const update: CommandSpec = {
  name: 'update',
  usage: '<name> [type] <value> [ttl] [--to <new value>]',
  summary: 'change the TTL of the record matching name, type and value (adds it when missing); --to replaces its value',
  details: [
    'without --to: upsert on name+type+value, setting the TTL (the original\'s update)',
    'with --to: the one record matching name+type+value gets the new value (and the TTL when given), keeping its id',
  ],
  examples: ['record update www.example.com A 192.0.2.10 300', 'record update www.example.com A 192.0.2.10 --to 192.0.2.11', 'record update example.com MX "10 mail.example.com" --to "20 mx.example.com"'],
  argCompletion: 'record-types',
  async run(args, env) {
    const split = splitTo(args)
    const r = parseRecordArgs(split.args)
    if (split.to === undefined) {
      const raw = await env.client.request({ method: 'PUT', path: '/dns/records', body: r })
      return { output: statusBlocks(raw, 'record updated'), raw, effect: 'records-changed' }
    }
    const matches = await matchingRecords(env, r)
    const what = `${r.name} ${r.type} ${r.value}`
    if (matches.length !== 1) {
      const message = matches.length === 0 ? `no record matches ${what}` : `${matches.length} records match ${what}; nothing changed`
      return { output: [{ kind: 'error', message }], ok: false, raw: { error: { code: 'ERR_RECORD_NOT_FOUND', message } } }
    }
    const old = asObject(matches[0])
    const id = asString(old.id)
    if (id === '') throw new UsageError(`the daemon did not send the id of ${what}; cannot replace it`)
    const body = { id, name: asString(old.name), type: r.type, value: shellValue(r.type, split.to), ttl: r.ttl ?? (typeof old.ttl === 'number' ? old.ttl : undefined) }
    const raw = await env.client.request({ method: 'PUT', path: '/dns/records', body })
    const out: OutputBlock[] = [{ kind: 'text', text: `record updated: ${what} -> ${body.value}`, tone: 'success' }]
    for (const m of messagesOf(raw)) out.push({ kind: 'text', text: m, tone: 'warning' })
    return { output: out, raw, effect: 'records-changed' }
  },
}

/**
 * The records the daemon matches for name (any case), type and value (by the duplicate rule),
 * fetched with GET /dns/records: DELETE and PUT by name do not say what they touched.
 */
async function matchingRecords(env: CommandEnv, r: { name: string; type?: string; value?: string }): Promise<unknown[]> {
  const listed = await env.client.request({ method: 'GET', path: '/dns/records', query: { name: r.name, type: r.type } })
  const key = nameKey(r.name)
  return asArray(asObject(listed).records).filter((v) => {
    const rec = asObject(v)
    const type = asString(rec.type).toUpperCase()
    return nameKey(asString(rec.name)) === key && (r.type === undefined || type === r.type) && (r.value === undefined || valueKey(type, asString(rec.value)) === valueKey(type, r.value))
  })
}

const remove: CommandSpec = {
  name: 'remove',
  aliases: ['rm', 'delete', 'del'],
  usage: '<name> [type] [value] [--yes] | <id>',
  argCompletion: 'record-types',
  summary: 'remove records by name, name+type, name+value or a record id; more than one match needs --yes',
  details: ['the matching records are counted first; when more than one matches, they are listed and nothing is removed unless --yes (-y) is given'],
  examples: ['record remove www.example.com 192.0.2.10', 'record remove example.com MX "10 mail.example.com"', 'record remove old.example.com --yes'],
  async run(args, env) {
    const yes = args.some((a) => YES_FLAGS.has(a))
    const r = parseRemoveArgs(args.filter((a) => !YES_FLAGS.has(a)))
    if ('id' in r) {
      const raw = await env.client.request({ method: 'DELETE', path: '/dns/records', query: { id: r.id } })
      return { output: [{ kind: 'text', text: '1 record deleted', tone: 'success' }], raw: { ...asObject(raw), removed: 1 }, effect: 'records-changed' }
    }
    // DELETE by name removes every match and does not say how many: count them first.
    const matches = await matchingRecords(env, r)
    const what = [r.name, r.type, r.value].filter((x) => x !== undefined).join(' ')
    if (matches.length === 0) {
      const message = `no record matches ${what}`
      return { output: [{ kind: 'error', message }], ok: false, raw: { error: { code: 'ERR_RECORD_NOT_FOUND', message } } }
    }
    if (matches.length > 1 && !yes) {
      const message = `${matches.length} records match ${what}; nothing removed`
      return {
        output: [recordTable({ records: matches }, false), { kind: 'error', message, hint: 'add --yes to remove them all, or give the type and value of one record' }],
        ok: false,
        raw: { error: { code: 'ERR_CONFIRMATION_REQUIRED', message }, records: matches },
      }
    }
    const raw = await env.client.request({ method: 'DELETE', path: '/dns/records', query: { name: r.name, type: r.type, value: r.value } })
    const n = matches.length
    const out: OutputBlock[] = [{ kind: 'text', text: `${n} record${n === 1 ? '' : 's'} deleted`, tone: 'success' }]
    for (const m of messagesOf(raw)) out.push({ kind: 'text', text: m, tone: 'warning' })
    return { output: out, raw: { ...asObject(raw), removed: n }, effect: 'records-changed' }
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
  usage: '[details|d] [filter] [--limit N] [--page P]',
  pageable: true,
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
  commands: [add, update, remove, list, reload, flush, massDelete],
}
