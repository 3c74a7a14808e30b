/**
 * Response cache endpoints: the original's GET /cache, DELETE /cache, POST /cache/clear, and ours
 * DELETE /api/v1/cache/entries?name=&type= (remove one name's rows).
 */
import { DnsplaneError } from '../../errors.js'
import type { ApiDeps } from '../deps.js'
import { queryValue, type ApiApp } from './shared.js'

export function registerCacheRoutes(app: ApiApp, deps: ApiDeps): void {
  app.get('/cache', async () => ({ cache: deps.cache.list() }))

  const clear = async () => {
    deps.cache.clear()
    return { status: 'cache cleared' }
  }
  app.delete('/cache', clear)
  app.post('/cache/clear', clear)

  app.delete('/api/v1/cache/entries', async (request) => {
    const name = queryValue(request.query, 'name')?.trim()
    if (!name) throw new DnsplaneError('ERR_BAD_REQUEST', 'querystring/name is required')
    const type = queryValue(request.query, 'type')?.trim().toUpperCase() || undefined
    return { removed: deps.cache.remove(name, type) }
  })
}
