/** `record flush`: writes the journaled record changes to dnsrecords.json now (docs/storage.md). */
import { asNumber, asObject, asString } from './shape.js'
import { UsageError, type CommandSpec } from './types.js'

export const flush: CommandSpec = {
  name: 'flush',
  usage: '',
  summary: 'write journaled record changes to dnsrecords.json now (they are already durable in the journal)',
  examples: ['record flush'],
  async run(args, env) {
    if (args.length > 0) throw new UsageError('flush takes no arguments')
    const raw = await env.client.request({ method: 'POST', path: '/api/v1/records/flush' })
    const o = asObject(raw)
    const n = asNumber(o.records)
    const text = `${asString(o.status) || 'records file written'}${n === undefined ? '' : ` (${n} records)`}`
    return { output: [{ kind: 'text', text, tone: 'success' }], raw }
  },
}
