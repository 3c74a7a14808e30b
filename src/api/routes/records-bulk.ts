/**
 * Ours: POST /api/v1/records/bulk, many records in one all-or-nothing write (docs/api.md). The body
 * is a JSON array of records (or `{"records":[…]}`), or NDJSON (one record per line, Content-Type
 * application/x-ndjson) so a producer can stream it; its size is bounded by records_bulk_max_bytes.
 * Every record is validated as a single API write is; one bad record refuses the whole batch,
 * naming the first few by index. The batch is one store write (one journal entry), replicated to
 * peers by the sync engines as they replicate any change (record_lww: deltas in frame-sized chunks).
 */
import { DnsplaneError } from '../../errors.js'
export { parseNdjson } from '../../store/bulk-plan.js'
import { outOfScope, parseNdjson, planBulk, type BulkCounts, type BulkMode, type BulkProblem } from '../../store/bulk-plan.js'
import { isMassDelete } from '../../store/mass-delete.js'
import { nameKey } from '../../store/record.js'
import { checkRecordInput, dnsNameProblem, type ValidRecordInput } from '../../store/record-validate.js'
import type { ApiDeps } from '../deps.js'
import { assertWritable } from './records.js'
import { isTruthyFlag, queryValue, type ApiApp } from './shared.js'

/** Default of records_bulk_max_bytes: the largest bulk request body. */
export const DEFAULT_BULK_MAX_BYTES = 64 * 1024 * 1024
/** Problems named in the error message (all of them, up to MAX_LISTED_PROBLEMS, are in `details`). */
const NAMED_PROBLEMS = 5
const MAX_LISTED_PROBLEMS = 100

/** The records of a bulk body: a JSON array, `{records:[…]}`, or NDJSON text. */
export function bulkItems(body: unknown): unknown[] {
  if (Array.isArray(body)) return body
  if (body !== null && typeof body === 'object' && Array.isArray((body as { records?: unknown }).records)) return (body as { records: unknown[] }).records
  if (typeof body === 'string') return parseNdjson(body)
  throw new DnsplaneError('ERR_BAD_REQUEST', 'body must be a JSON array of records, {"records":[…]} or NDJSON (one record per line)')
}

/** Validates every item as a single API write does; the valid inputs, or the problems by index. */
export function validateBulk(items: readonly unknown[]): { inputs: ValidRecordInput[]; at: number[]; problems: BulkProblem[] } {
  const inputs: ValidRecordInput[] = []
  const at: number[] = []
  const problems: BulkProblem[] = []
  items.forEach((item, index) => {
    const check = checkRecordInput(item)
    if (!check.ok) return problems.push({ index, reason: check.errors.join('; ') })
    inputs.push(check.record)
    at.push(index)
  })
  return { inputs, at, problems }
}

/** The message of an all-or-nothing refusal: how many, and the first few by index. */
export function refusal(problems: readonly BulkProblem[], total: number): string {
  const named = problems.slice(0, NAMED_PROBLEMS).map((p) => `record ${p.index}: ${p.reason}`).join('; ')
  const more = problems.length > NAMED_PROBLEMS ? `; and ${problems.length - NAMED_PROBLEMS} more` : ''
  return `${problems.length} of ${total} records are invalid, nothing was written: ${named}${more}`
}

interface BulkQuery {
  mode: BulkMode
  zone?: string
  all: boolean
  dryRun: boolean
  confirmDelete?: number
}

export function bulkQuery(q: unknown): BulkQuery {
  const mode = (queryValue(q, 'mode') ?? 'add').trim().toLowerCase()
  if (mode !== 'add' && mode !== 'replace') throw new DnsplaneError('ERR_BAD_REQUEST', 'mode must be add or replace')
  const zoneRaw = queryValue(q, 'zone')?.trim()
  const all = isTruthyFlag(queryValue(q, 'all'))
  if (mode === 'replace' && (zoneRaw === undefined || zoneRaw === '') === !all) {
    throw new DnsplaneError('ERR_BAD_REQUEST', 'mode=replace needs exactly one of zone=<zone> (replace that zone\'s records) or all=1 (replace every record)')
  }
  if (zoneRaw !== undefined && zoneRaw !== '' && zoneRaw !== '.' && dnsNameProblem(zoneRaw) !== undefined) {
    throw new DnsplaneError('ERR_BAD_REQUEST', `zone: not a valid DNS name: ${dnsNameProblem(zoneRaw)}`)
  }
  const confirmRaw = queryValue(q, 'confirm_delete')
  const confirmDelete = confirmRaw === undefined ? undefined : /^\d{1,9}$/.test(confirmRaw) ? Number(confirmRaw) : NaN
  if (Number.isNaN(confirmDelete)) throw new DnsplaneError('ERR_BAD_REQUEST', 'confirm_delete must be a number of records')
  const out: BulkQuery = { mode, all, dryRun: isTruthyFlag(queryValue(q, 'dry_run')) }
  if (zoneRaw !== undefined && zoneRaw !== '') out.zone = nameKey(zoneRaw)
  if (confirmDelete !== undefined) out.confirmDelete = confirmDelete
  return out
}

export function registerBulkRoutes(app: ApiApp, deps: ApiDeps, maxBytes = DEFAULT_BULK_MAX_BYTES): void {
  app.register(async (scope) => {
    // NDJSON arrives as text; the route splits it (JSON bodies keep the API's one parser).
    scope.addContentTypeParser('application/x-ndjson', { parseAs: 'string', bodyLimit: maxBytes }, (_req, body, done) => done(null, body))
    scope.post('/api/v1/records/bulk', { bodyLimit: maxBytes }, async (request, reply) => {
      const q = bulkQuery(request.query)
      const items = bulkItems(request.body)
      const { inputs, at, problems } = validateBulk(items)
      const all = [...problems, ...outOfScope(inputs, q).map((p) => ({ ...p, index: at[p.index] }))].sort((a, b) => a.index - b.index)
      if (all.length > 0) {
        const message = refusal(all, items.length)
        return reply.code(400).send({ error: { code: 'ERR_RECORD_INVALID', message, invalid: all.length, details: all.slice(0, MAX_LISTED_PROBLEMS) } })
      }
      if (!q.dryRun) assertWritable(deps)
      const store = deps.records
      if (!store.bulkWrite) throw new DnsplaneError('ERR_READ_ONLY_SOURCE', 'the records source is read-only; bulk writes are refused')
      let counts: BulkCounts | undefined
      let guard = false
      await store.bulkWrite((records, ctx) => {
        const opts = { mode: q.mode, zone: q.zone, all: q.all, guardPercent: ctx.guardPercent, confirmDelete: q.confirmDelete, newRecord: ctx.newRecord, stamp: ctx.stamp }
        // A dry run reports what the guard would say instead of refusing.
        const planned = planBulk(records, inputs, q.dryRun ? { ...opts, guardPercent: 0 } : opts)
        counts = planned.counts
        if (q.dryRun) {
          guard = q.mode === 'replace' && isMassDelete(planned.counts.deleted, planned.counts.total_before, ctx.guardPercent)
          return { result: planned.plan.result }
        }
        return planned.plan
      })
      const c = counts as BulkCounts
      deps.log.info({ mode: c.mode, zone: c.zone, added: c.added, updated: c.updated, deleted: c.deleted, dry_run: q.dryRun }, 'records bulk write')
      return { status: q.dryRun ? 'dry run: nothing written' : 'records written', dry_run: q.dryRun, ...c, ...(q.dryRun ? { confirm_delete_required: guard } : {}) }
    })
  })
}
