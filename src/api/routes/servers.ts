/**
 * The original's upstream server endpoints: /dns/servers (GET, POST), /dns/servers/:address (PUT,
 * DELETE) and /dns/upstreams/health. `port` may be sent as a string or a number; it is stored
 * as a string. PUT without `port` resets it to "53", as the original does.
 */
import { Type, type Static } from '@sinclair/typebox'
import { DnsplaneError } from '../../errors.js'
import type { ApiDeps, ServerInput } from '../deps.js'
import type { ApiApp } from './shared.js'

const PORT_MESSAGE = 'must be a port number 1-65535'
const Port = Type.Union([Type.String({ pattern: '^[0-9]{1,5}$' }), Type.Integer({ minimum: 1, maximum: 65535 })], {
  errorMessage: PORT_MESSAGE,
})
const Host = Type.String({ minLength: 1, maxLength: 255 })

const ServerBody = Type.Object({
  address: Host,
  port: Type.Optional(Port),
  active: Type.Optional(Type.Boolean()),
  local_resolver: Type.Optional(Type.Boolean()),
  adblocker: Type.Optional(Type.Boolean()),
  domain_whitelist: Type.Optional(Type.Array(Type.String({ maxLength: 255 }), { maxItems: 1000 })),
  fallback_address: Type.Optional(Type.String({ maxLength: 255 })),
  fallback_port: Type.Optional(Port),
  fallback_transport: Type.Optional(Type.String({ maxLength: 16 })),
  fallback_doh_url: Type.Optional(Type.String({ maxLength: 2048 })),
})
type ServerBody = Static<typeof ServerBody>

/** PUT may omit `address` (it comes from the path). */
const ServerUpdateBody = Type.Partial(ServerBody)

const AddressParams = Type.Object({ address: Type.String({ minLength: 1, maxLength: 255 }) })

function portText(field: string, port: string | number | undefined): string | undefined {
  if (port === undefined) return undefined
  const n = typeof port === 'number' ? port : Number(port)
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new DnsplaneError('ERR_SERVER_INVALID', `${field} ${PORT_MESSAGE}`)
  return String(n)
}

function toInput(address: string, body: Partial<ServerBody>): ServerInput {
  const input: ServerInput = { address: address.trim() }
  const port = portText('port', body.port)
  if (port !== undefined) input.port = port
  if (body.active !== undefined) input.active = body.active
  if (body.local_resolver !== undefined) input.local_resolver = body.local_resolver
  if (body.adblocker !== undefined) input.adblocker = body.adblocker
  if (body.domain_whitelist !== undefined) input.domain_whitelist = body.domain_whitelist
  if (body.fallback_address !== undefined) input.fallback_address = body.fallback_address
  const fbPort = portText('fallback_port', body.fallback_port)
  if (fbPort !== undefined) input.fallback_port = fbPort
  if (body.fallback_transport !== undefined) input.fallback_transport = body.fallback_transport
  if (body.fallback_doh_url !== undefined) input.fallback_doh_url = body.fallback_doh_url
  return input
}

function healthFields(deps: ApiDeps): Record<string, unknown> {
  const h = deps.upstreamHealth
  return {
    upstream_health_check_enabled: h.enabled,
    upstream_health_check_interval_seconds: h.intervalSeconds,
    upstream_health_check_failures: h.failures,
  }
}

export function registerServerRoutes(app: ApiApp, deps: ApiDeps): void {
  app.get('/dns/servers', async () => ({
    servers: deps.servers.list(),
    ...healthFields(deps),
    upstream_health: deps.upstreamHealth.snapshot(),
  }))

  app.get('/dns/upstreams/health', async () => ({
    ...healthFields(deps),
    upstream_health_check_query_name: deps.upstreamHealth.queryName,
    upstreams: deps.upstreamHealth.snapshot(),
  }))

  app.post('/dns/servers', { schema: { body: ServerBody } }, async (request, reply) => {
    const result = await deps.servers.add(toInput(request.body.address, request.body))
    return reply.code(201).send({ status: 'server added', messages: result.messages })
  })

  app.put('/dns/servers/:address', { schema: { params: AddressParams, body: ServerUpdateBody } }, async (request) => {
    const input = toInput(request.body.address ?? request.params.address, request.body)
    input.port ??= '53'
    await deps.servers.update(request.params.address.trim(), input)
    return { status: 'server updated' }
  })

  app.delete('/dns/servers/:address', { schema: { params: AddressParams } }, async (request) => {
    await deps.servers.remove(request.params.address.trim())
    return { status: 'server removed' }
  })
}
