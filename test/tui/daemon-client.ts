import t, { type Test } from 'tap'
import http from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { createDaemonClient, DaemonClientError, resolveTarget } from '../../src/tui/daemon-client.js'

interface Seen {
  method?: string
  url?: string
  auth?: string
  body: string
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen) => void

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(`${JSON.stringify(body)}\n`)
}

async function startServer(t: Test, listen: { path: string } | { port: 0; host: string }, handler: Handler): Promise<{ seen: Seen[]; server: http.Server }> {
  const seen: Seen[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const s: Seen = { method: req.method, url: req.url, auth: req.headers.authorization, body: Buffer.concat(chunks).toString() }
      seen.push(s)
      handler(req, res, s)
    })
  })
  await new Promise<void>((resolve) => server.listen(listen, resolve))
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return { seen, server }
}

async function tempSocket(t: Test): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dnsplane-tui-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return path.join(dir, 'api.sock')
}

t.test('talks JSON over a UNIX socket without a token', async (t) => {
  const sock = await tempSocket(t)
  const { seen } = await startServer(t, { path: sock }, (_req, res) => json(res, 201, { status: 'record added', messages: [] }))
  const client = createDaemonClient({ target: resolveTarget('', sock) })
  const out = await client.request({ method: 'POST', path: '/dns/records', body: { name: 'a.example', type: 'A', value: '192.0.2.1' } })
  t.same(out, { status: 'record added', messages: [] })
  t.equal(seen[0].method, 'POST')
  t.equal(seen[0].url, '/dns/records')
  t.equal(seen[0].auth, undefined)
  t.same(JSON.parse(seen[0].body), { name: 'a.example', type: 'A', value: '192.0.2.1' })
})

t.test('sends the bearer token over TCP and encodes the query', async (t) => {
  const { seen, server } = await startServer(t, { port: 0, host: '127.0.0.1' }, (_req, res) => json(res, 200, { records: null, detailed: false }))
  const port = (server.address() as AddressInfo).port
  const client = createDaemonClient({ target: resolveTarget(`127.0.0.1:${port}`, ''), token: 's3cret' })
  const out = await client.request({ method: 'GET', path: '/dns/records', query: { name: 'a b', type: undefined, details: '1' } })
  t.same(out, { records: null, detailed: false })
  t.equal(seen[0].auth, 'Bearer s3cret')
  t.equal(seen[0].url, '/dns/records?name=a+b&details=1')
})

t.test('surfaces a 401 with a hint about the token', async (t) => {
  const { server } = await startServer(t, { port: 0, host: '127.0.0.1' }, (_req, res) => json(res, 401, { error: 'unauthorized' }))
  const port = (server.address() as AddressInfo).port
  const client = createDaemonClient({ target: resolveTarget(`127.0.0.1:${port}`, '') })
  const err = await client.request({ method: 'GET', path: '/version' }).catch((e: unknown) => e)
  t.ok(err instanceof DaemonClientError)
  t.match(err, { code: 'ERR_UNAUTHORIZED', message: 'unauthorized (HTTP 401)', details: { status: 401, hint: /--token.*DNSPLANE_API_TOKEN/ } })
})

t.test('reads both error shapes', async (t) => {
  const { server } = await startServer(t, { port: 0, host: '127.0.0.1' }, (req, res) => {
    if (req.url === '/dns/records') json(res, 400, { error: 'invalid arguments', messages: ['bad ttl'] })
    else if (req.url === '/plain') {
      res.writeHead(429, { 'content-type': 'text/plain' })
      res.end('rate limit exceeded')
    } else json(res, 404, { error: { code: 'ERR_NOT_FOUND', message: 'peer not found in cluster_peers' } })
  })
  const port = (server.address() as AddressInfo).port
  const client = createDaemonClient({ target: resolveTarget(`localhost:${port}`, '') })
  const a = await client.request({ method: 'POST', path: '/dns/records', body: {} }).catch((e: unknown) => e)
  t.match(a, { code: 'ERR_BAD_REQUEST', message: 'invalid arguments (HTTP 400)', details: { messages: ['bad ttl'] } })
  const b = await client.request({ method: 'DELETE', path: '/api/v1/cluster/peers/x' }).catch((e: unknown) => e)
  t.match(b, { code: 'ERR_NOT_FOUND', message: 'peer not found in cluster_peers (HTTP 404)', details: { apiCode: 'ERR_NOT_FOUND' } })
  const c = await client.request({ method: 'GET', path: '/plain' }).catch((e: unknown) => e)
  t.match(c, { message: 'rate limit exceeded (HTTP 429)', details: { hint: /rate limit/ } })
})

t.test('names the socket and how to start the server when nothing listens', async (t) => {
  const sock = await tempSocket(t)
  const client = createDaemonClient({ target: resolveTarget(sock, '') })
  const err = await client.request({ method: 'GET', path: '/version' }).catch((e: unknown) => e)
  t.match(err, { code: 'ERR_PEER_UNREACHABLE', message: new RegExp(`unix socket ${sock}.*ENOENT`), details: { hint: /dnsplane server/ } })
})

t.test('aborts a response larger than the limit', async (t) => {
  const { server } = await startServer(t, { port: 0, host: '127.0.0.1' }, (_req, res) => json(res, 200, { big: 'x'.repeat(5000) }))
  const port = (server.address() as AddressInfo).port
  const client = createDaemonClient({ target: resolveTarget(`127.0.0.1:${port}`, ''), maxResponseBytes: 1000 })
  const err = await client.request({ method: 'GET', path: '/cache' }).catch((e: unknown) => e)
  t.match(err, { code: 'ERR_FRAME_TOO_LARGE', message: /exceeds 1000 bytes/ })
})

t.test('times out a daemon that never answers', async (t) => {
  const { server } = await startServer(t, { port: 0, host: '127.0.0.1' }, () => {
    // never respond
  })
  const port = (server.address() as AddressInfo).port
  const client = createDaemonClient({ target: resolveTarget(`127.0.0.1:${port}`, ''), timeoutMs: 50 })
  const err = await client.request({ method: 'GET', path: '/stats' }).catch((e: unknown) => e)
  t.match(err, { code: 'ERR_PEER_UNREACHABLE', message: /timed out after 50 ms/ })
})

t.test('an aborted signal cancels the request and closes the connection', async (t) => {
  let closed = false
  const { server } = await startServer(t, { port: 0, host: '127.0.0.1' }, (req) => {
    req.socket.on('close', () => {
      closed = true
    })
    // never respond
  })
  const port = (server.address() as AddressInfo).port
  const client = createDaemonClient({ target: resolveTarget(`127.0.0.1:${port}`, '') })
  const ac = new AbortController()
  const pending = client.request({ method: 'GET', path: '/stats', signal: ac.signal }).catch((e: unknown) => e)
  for (let i = 0; i < 200 && server.listenerCount('request') > 0 && (await new Promise<number>((r) => server.getConnections((_e, n) => r(n)))) === 0; i++) await new Promise((r) => setTimeout(r, 5))
  ac.abort()
  t.match(await pending, { code: 'ERR_PEER_UNREACHABLE', message: 'GET /stats cancelled' })
  for (let i = 0; i < 200 && !closed; i++) await new Promise((r) => setTimeout(r, 5))
  t.ok(closed, 'the server saw the connection close')
  const early = await client.request({ method: 'GET', path: '/stats', signal: AbortSignal.abort() }).catch((e: unknown) => e)
  t.match(early, { message: 'GET /stats cancelled' }, 'an already aborted signal never waits')
})

t.test('refuses a remote TCP target without a token', async (t) => {
  t.throws(() => createDaemonClient({ target: resolveTarget('192.0.2.1:8080', '') }), { code: 'ERR_UNAUTHORIZED', message: /without an API token/ })
  t.throws(() => createDaemonClient({ target: resolveTarget('192.0.2.1:8080', ''), token: 'a\nb' }), { code: 'ERR_BAD_REQUEST' })
})
