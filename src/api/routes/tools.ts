/**
 * POST /api/v1/tools/dig {name, type?, server?, port?}: the TUI's `tools dig`, one row per upstream.
 */
import { Type } from '@sinclair/typebox'
import { DnsplaneError } from '../../errors.js'
import type { ApiDeps, DigQuery } from '../deps.js'
import { ALL_TYPE_MNEMONICS } from '../../store/rr-types.js'
import type { ApiApp } from './shared.js'

const DigBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 1024 }),
  type: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
  server: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
})

export function registerToolRoutes(app: ApiApp, deps: ApiDeps): void {
  app.post('/api/v1/tools/dig', { schema: { body: DigBody } }, async (request) => {
    if (!deps.tools) throw new DnsplaneError('ERR_NOT_FOUND', 'tools are not available on this node')
    const type = (request.body.type ?? 'A').trim().toUpperCase()
    if (!ALL_TYPE_MNEMONICS.has(type)) throw new DnsplaneError('ERR_BAD_REQUEST', `body/type unknown record type: ${type}`)
    const query: DigQuery = { name: request.body.name.trim(), type }
    if (request.body.server !== undefined) query.server = request.body.server.trim()
    if (request.body.port !== undefined) query.port = request.body.port
    return { query, results: await deps.tools.dig(query) }
  })
}
