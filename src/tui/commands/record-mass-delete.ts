/** `record mass-delete [confirm|discard]`: the change the mass-delete guard holds back (docs/records.md). */
import { asArray, asNumber, asObject, asString } from './shape.js'
import { UsageError, type CommandSpec, type OutputBlock } from './types.js'

/** Renders GET /api/v1/records/mass-delete. */
function heldBlocks(raw: unknown): OutputBlock[] {
  const held = asObject(raw).held
  if (held === null || held === undefined) return [{ kind: 'text', text: 'no mass delete is held back', tone: 'muted' }]
  const h = asObject(held)
  const out: OutputBlock[] = [
    {
      kind: 'text',
      tone: 'warning',
      text:
        `held back since ${asString(h.held_at)}: a ${asString(h.source)} change would delete ${asString(h.removed)} of ` +
        `${asString(h.total)} records (guard ${asString(h.percent)} %), leaving ${asString(h.proposed_total)}`,
    },
  ]
  const sample = asArray(h.removed_sample).map(asString)
  if (sample.length > 0) {
    const more = (asNumber(h.removed) ?? 0) - sample.length
    out.push({ kind: 'text', tone: 'muted', text: `would delete: ${sample.join(', ')}${more > 0 ? ` and ${more} more` : ''}` })
  }
  out.push({ kind: 'text', tone: 'muted', text: 'apply with "record mass-delete confirm", drop with "record mass-delete discard"' })
  return out
}

export const massDelete: CommandSpec = {
  name: 'mass-delete',
  usage: '[confirm|discard]',
  summary: 'show the mass delete held back (file edit, reload or start-up), or confirm (apply) or discard it',
  examples: ['record mass-delete', 'record mass-delete confirm', 'record mass-delete discard'],
  subcommands: ['confirm', 'discard'],
  async run(args, env) {
    const action = args[0]?.toLowerCase()
    if (args.length > 1 || (action !== undefined && action !== 'confirm' && action !== 'discard')) {
      throw new UsageError('expected nothing, confirm or discard')
    }
    if (action === undefined) {
      const raw = await env.client.request({ method: 'GET', path: '/api/v1/records/mass-delete' })
      return { output: heldBlocks(raw), raw }
    }
    const raw = await env.client.request({ method: 'POST', path: `/api/v1/records/mass-delete/${action}` })
    const o = asObject(raw)
    const text =
      action === 'confirm'
        ? `${asString(o.status) || 'mass delete applied'}: ${asString(o.removed)} deleted, ${asString(o.records)} records`
        : asString(o.status) || 'mass delete discarded'
    return { output: [{ kind: 'text', text, tone: 'success' }], raw, effect: 'records-changed' }
  },
}
