/**
 * Our config endpoints (the TUI's `server config|set|save|load`): GET /api/v1/config (secrets
 * redacted), POST /api/v1/config/set {key, value}, POST /api/v1/config/save, POST /api/v1/config/load.
 * Without a ConfigControl they answer 404 ERR_NOT_FOUND.
 */
import { Type } from '@sinclair/typebox'
import type { ConfigControl } from '../../config/control.js'
import { DnsplaneError } from '../../errors.js'
import type { ApiDeps } from '../deps.js'
import type { ApiApp } from './shared.js'

const SetBody = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 128 }),
  value: Type.Union(
    [
      Type.String({ maxLength: 65536 }),
      Type.Number(),
      Type.Boolean(),
      Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 1000 }),
    ],
    { errorMessage: 'must be a string, number, boolean or array of strings' },
  ),
})

/** Values other than strings become the text the TUI would type (arrays as JSON). */
function valueText(value: string | number | boolean | string[]): string {
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return JSON.stringify(value)
  return String(value)
}

export function registerConfigRoutes(app: ApiApp, deps: ApiDeps): void {
  const control = (): ConfigControl => {
    if (!deps.config) throw new DnsplaneError('ERR_NOT_FOUND', 'config control is not available on this node')
    return deps.config
  }

  app.get('/api/v1/config', async () => {
    const c = control()
    return { path: c.path, config: c.redacted() }
  })

  app.post('/api/v1/config/set', { schema: { body: SetBody } }, async (request) => {
    return control().set(request.body.key, valueText(request.body.value))
  })

  app.post('/api/v1/config/save', async () => {
    await control().save()
    return { status: 'config saved' }
  })

  app.post('/api/v1/config/load', async () => {
    await control().load()
    return { status: 'config loaded' }
  })
}
