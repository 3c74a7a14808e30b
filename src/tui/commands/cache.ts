/** `cache` context: the resolver cache via /cache. */
import { asArray, asObject, asString, statusBlocks } from './shape.js'
import { UsageError, type CommandSpec, type ContextSpec } from './types.js'

const list: CommandSpec = {
  name: 'list',
  usage: '[--limit N] [--page P]',
  pageable: true,
  summary: 'list cached answers',
  examples: ['cache list'],
  async run(args, env) {
    if (args.length > 0) throw new UsageError('list takes no arguments')
    const raw = await env.client.request({ method: 'GET', path: '/cache' })
    const rows = asArray(asObject(raw).cache).map((v) => {
      const c = asObject(v)
      return [asString(c.name), asString(c.type), asString(c.value), asString(c.ttl), asString(c.expires_at ?? c.expiry)]
    })
    return { output: [{ kind: 'table', columns: ['Name', 'Type', 'Value', 'TTL', 'Expires'], rows, empty: 'cache is empty' }], raw }
  },
}

const remove: CommandSpec = {
  name: 'remove',
  aliases: ['rm', 'delete', 'del'],
  usage: '<name> [type] [value]',
  summary: 'remove cached answers for a name (optionally only one type / value)',
  examples: ['cache remove example.com', 'cache remove example.com A 93.184.216.34'],
  argCompletion: 'record-types',
  async run(args, env) {
    if (args.length === 0 || args.length > 3) throw new UsageError('expected <name> [type] [value]')
    const [name, type, value] = args
    // A dedicated endpoint: DELETE /cache would clear everything if a filter were ignored.
    const raw = await env.client.request({
      method: 'DELETE',
      path: '/api/v1/cache/entries',
      query: { name, type: type?.toUpperCase(), value },
    })
    const removed = asObject(raw).removed
    const text = typeof removed === 'number' ? `removed ${removed} cache entr${removed === 1 ? 'y' : 'ies'}` : 'cache entries removed'
    return { output: [{ kind: 'text', text, tone: 'success' }], raw }
  },
}

const clear: CommandSpec = {
  name: 'clear',
  usage: '',
  summary: 'clear the whole cache',
  examples: ['cache clear'],
  async run(args, env) {
    if (args.length > 0) throw new UsageError('clear takes no arguments')
    const raw = await env.client.request({ method: 'POST', path: '/cache/clear' })
    return { output: statusBlocks(raw, 'cache cleared'), raw }
  },
}

export const CACHE_CONTEXT: ContextSpec = {
  name: 'cache',
  summary: 'resolver cache',
  commands: [list, remove, clear],
}
