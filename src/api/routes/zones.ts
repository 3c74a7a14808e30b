/**
 * Ours: GET /api/v1/zones/:zone/export, one zone of the records as an RFC 1035 master file
 * (src/zonefile/write.ts; docs/zone-files.md). JSON `{zone, records, text}` by default (the CLI's
 * `dnsplane zone export`), the bare file with `?format=text` (text/dns, RFC 4027).
 */
import { DnsplaneError } from '../../errors.js'
import { nameKey } from '../../store/record.js'
import { dnsNameProblem } from '../../store/record-validate.js'
import { writeZone } from '../../zonefile/write.js'
import type { ApiDeps } from '../deps.js'
import { queryValue, type ApiApp } from './shared.js'

export function registerZoneRoutes(app: ApiApp, deps: ApiDeps): void {
  app.get('/api/v1/zones/:zone/export', async (request, reply) => {
    const raw = (request.params as { zone: string }).zone
    if (raw !== '.' && dnsNameProblem(raw) !== undefined) throw new DnsplaneError('ERR_BAD_REQUEST', `zone: not a valid DNS name: ${dnsNameProblem(raw)}`)
    const zone = nameKey(raw)
    const now = new Date(deps.now?.() ?? Date.now()).toISOString()
    const text = writeZone(deps.records.list(), zone, { header: `zone ${zone || '.'} exported by dnsplane at ${now}` })
    if (queryValue(request.query, 'format') === 'text') return reply.type('text/dns; charset=utf-8').serializer((x) => String(x)).send(text)
    return { zone: zone || '.', records: text.split('\n').filter((l) => l !== '' && !l.startsWith(';') && !l.startsWith('$')).length, text }
  })
}
