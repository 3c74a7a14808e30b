/**
 * The original's /dns/records endpoints, same paths, bodies and response shapes.
 * Writes go through the RecordStore, which persists before resolving; a refused local write
 * (cluster_reject_local_writes) answers 403 with the original's message.
 */
import { Type, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { DnsplaneError, isDnsplaneError } from '../../errors.js'
import { nameKey, type DnsRecord } from '../../store/record.js'
import type { RecordInput, RecordSelector } from '../../store/record-store.js'
import { ALL_TYPE_MNEMONICS } from '../../store/rr-types.js'
import { UINT32_MAX } from '../../values.js'
import type { ApiDeps } from '../deps.js'
import { isTruthyFlag, queryValue, type ApiApp } from './shared.js'

/** RR type mnemonics accepted by the `type` filter: every type in THE type table (store/rr-types.ts). */
export const KNOWN_RR_TYPES: ReadonlySet<string> = ALL_TYPE_MNEMONICS

const RecordBody = Type.Object({
  id: Type.Optional(Type.String({ maxLength: 64 })),
  name: Type.String({ minLength: 1, maxLength: 1024 }),
  type: Type.String({ minLength: 1, maxLength: 16 }),
  value: Type.String({ minLength: 1, maxLength: 65535 }),
  ttl: Type.Optional(Type.Integer({ minimum: 0, maximum: UINT32_MAX })),
})
type RecordBody = Static<typeof RecordBody>

const DeleteBody = Type.Object({
  id: Type.Optional(Type.String({ maxLength: 64 })),
  name: Type.Optional(Type.String({ maxLength: 1024 })),
  type: Type.Optional(Type.String({ maxLength: 16 })),
  value: Type.Optional(Type.String({ maxLength: 65535 })),
})
type DeleteBody = Static<typeof DeleteBody>
const checkDeleteBody = TypeCompiler.Compile(DeleteBody)

/** A record as listed without `details`: identity and data, no timestamps. */
function summarize(r: DnsRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (r.id !== undefined) out.id = r.id
  out.name = r.name
  out.type = r.type
  out.value = r.value
  out.ttl = r.ttl
  return out
}

function toInput(body: RecordBody, zeroTtlMeansDefault: boolean): RecordInput {
  const input: RecordInput = { name: body.name, type: body.type, value: body.value }
  if (body.id !== undefined && body.id.trim() !== '') input.id = body.id.trim()
  // The original's REST add treats ttl 0 like an absent ttl (3600).
  if (body.ttl !== undefined && !(zeroTtlMeansDefault && body.ttl === 0)) input.ttl = body.ttl
  return input
}

/** Throws ERR_LOCAL_WRITES_DISABLED when this node refuses local writes (cluster_reject_local_writes). */
export function assertWritable(deps: ApiDeps): void {
  const allowed = deps.localWritesAllowed()
  if (!allowed.ok) throw new DnsplaneError('ERR_LOCAL_WRITES_DISABLED', allowed.reason)
}

function nonEmpty(v: string | undefined): string | undefined {
  if (v === undefined) return undefined
  const t = v.trim()
  return t === '' ? undefined : t
}

/** Selector from `?id=` / body `{id}`, else `name` (+ `type`, `value`) from query or body. */
function deleteSelector(query: unknown, body: unknown): RecordSelector {
  let b: DeleteBody = {}
  if (body !== undefined && body !== null) {
    if (!checkDeleteBody.Check(body)) {
      const first = checkDeleteBody.Errors(body).First()
      throw new DnsplaneError('ERR_BAD_REQUEST', `body${first?.path ?? ''} is invalid`)
    }
    b = body
  }
  const id = nonEmpty(queryValue(query, 'id')) ?? nonEmpty(b.id)
  if (id !== undefined) return { id }
  const name = nonEmpty(queryValue(query, 'name')) ?? nonEmpty(b.name)
  if (name === undefined) throw new DnsplaneError('ERR_BAD_REQUEST', 'name is required')
  const selector: { name: string; type?: string; value?: string } = { name }
  const type = nonEmpty(queryValue(query, 'type')) ?? nonEmpty(b.type)
  const value = nonEmpty(queryValue(query, 'value')) ?? nonEmpty(b.value)
  if (type !== undefined) selector.type = type.toUpperCase()
  if (value !== undefined) selector.value = value
  return selector
}

export function registerRecordRoutes(app: ApiApp, deps: ApiDeps): void {
  app.get('/dns/records', async (request) => {
    const q = request.query
    const name = nonEmpty(queryValue(q, 'name'))
    const typeRaw = nonEmpty(queryValue(q, 'type'))
    const type = typeRaw?.toUpperCase()
    if (type !== undefined && !KNOWN_RR_TYPES.has(type)) {
      throw new DnsplaneError('ERR_BAD_REQUEST', `invalid record type: ${typeRaw}`)
    }
    const detailed = isTruthyFlag(queryValue(q, 'details')) || isTruthyFlag(queryValue(q, 'd'))
    const needle = name === undefined ? undefined : nameKey(name)
    const matched = deps.records
      .list()
      .filter((r) => (needle === undefined || nameKey(r.name).includes(needle)) && (type === undefined || r.type.toUpperCase() === type))
    const body: Record<string, unknown> = {
      // The original serializes an empty Go slice as null.
      records: matched.length === 0 ? null : detailed ? matched : matched.map(summarize),
      detailed,
    }
    const filter: string[] = []
    if (name !== undefined) filter.push(`name=${name}`)
    if (type !== undefined) filter.push(`type=${type}`)
    if (filter.length > 0) body.filter = filter.join('&')
    return body
  })

  app.post('/dns/records', { schema: { body: RecordBody } }, async (request, reply) => {
    assertWritable(deps)
    const result = await deps.records.add(toInput(request.body, true))
    return reply.code(201).send({ status: 'record added', messages: result.messages })
  })

  app.put('/dns/records', { schema: { body: RecordBody } }, async (request) => {
    assertWritable(deps)
    const result = await deps.records.update(toInput(request.body, false))
    return { status: 'record updated', messages: result.messages }
  })

  app.delete('/dns/records', async (request) => {
    const selector = deleteSelector(request.query, request.body)
    assertWritable(deps)
    const result = await deps.records.remove(selector)
    return { status: 'record deleted', messages: result.messages }
  })

  app.post('/dns/records/reload', async (_request, reply) => {
    try {
      const count = await deps.records.reload()
      return { status: 'reloaded', records: count }
    } catch (err) {
      deps.log.error({ err }, 'records reload failed')
      const message = isDnsplaneError(err) ? err.message : 'reload failed'
      // A reload held back by the mass-delete guard is not a failure of the node: 409 with the way out.
      return reply.code(isDnsplaneError(err, 'ERR_MASS_DELETE_HELD') ? 409 : 500).send({ error: message })
    }
  })

  // Ours: write journaled changes to dnsrecords.json now (docs/storage.md).
  app.post('/api/v1/records/flush', async () => {
    const r = (await deps.records.flush?.()) ?? { flushed: false, records: deps.records.list().length }
    return { status: r.flushed ? 'records file written' : 'records file already current', records: r.records }
  })

  // Ours: the change the mass-delete guard holds back (docs/records.md), and the two ways out.
  app.get('/api/v1/records/mass-delete', async () => ({ held: deps.records.heldMassDelete() ?? null }))

  app.post('/api/v1/records/mass-delete/confirm', async () => {
    assertWritable(deps)
    const r = await deps.records.confirmMassDelete()
    return { status: 'mass delete applied', removed: r.removed, records: r.records }
  })

  app.post('/api/v1/records/mass-delete/discard', async () => {
    const r = await deps.records.discardMassDelete()
    return { status: 'mass delete discarded', records: r.records }
  })
}
