import t, { type Test } from 'tap'
import http from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { defaultSocketPath, runClient, type ClientIo } from '../../src/tui/run-client.js'

function io(env: Record<string, string | undefined> = {}, stdinText?: string): { io: ClientIo; out: { stdout: string; stderr: string } } {
  const out = { stdout: '', stderr: '' }
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  stdout.on('data', (c: Buffer) => (out.stdout += c.toString()))
  stderr.on('data', (c: Buffer) => (out.stderr += c.toString()))
  const stdin = new PassThrough()
  if (stdinText !== undefined) stdin.end(stdinText)
  return { io: { stdout, stderr, stdin, env }, out }
}

async function daemon(t: Test): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dnsplane-client-'))
  const sock = path.join(dir, 'dnsplane.socket')
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    if (req.url?.startsWith('/dns/records')) res.end(JSON.stringify({ records: [{ name: 'a.example', type: 'A', value: '192.0.2.1', ttl: 60 }], detailed: false }))
    else res.end(JSON.stringify({ cache: [] }))
  })
  await new Promise<void>((resolve) => server.listen(sock, resolve))
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await rm(dir, { recursive: true, force: true })
  })
  return sock
}

t.test('-c runs one command against the default socket and exits 0', async (t) => {
  const sock = await daemon(t)
  const { io: sio, out } = io()
  const code = await runClient({ command: 'record list', defaultSocket: sock }, sio)
  t.equal(code, 0)
  t.match(out.stdout, /a\.example\s+A\s+192\.0\.2\.1\s+60/)
})

t.test('--json prints the raw JSON', async (t) => {
  const sock = await daemon(t)
  const { io: sio, out } = io()
  t.equal(await runClient({ target: `unix://${sock}`, command: 'record list', json: true }, sio), 0)
  t.equal(JSON.parse(out.stdout).records[0].name, 'a.example')
})

t.test('a piped script runs line by line', async (t) => {
  const sock = await daemon(t)
  const { io: sio, out } = io({}, 'record list\ncache list\n')
  t.equal(await runClient({ target: sock }, sio), 0)
  t.match(out.stdout, /a\.example[\s\S]*cache is empty/)
})

t.test('an unreachable daemon exits 1 naming the socket and how to start it', async (t) => {
  const { io: sio, out } = io()
  const code = await runClient({ command: 'record list', defaultSocket: '/nonexistent/dnsplane.socket' }, sio)
  t.equal(code, 1)
  t.match(out.stderr, /cannot reach the daemon at unix socket \/nonexistent\/dnsplane\.socket[\s\S]*start it with `dnsplane server`/)
})

t.test('a remote TCP target without a token is refused with exit 2; the env token is used', async (t) => {
  const { io: sio, out } = io()
  t.equal(await runClient({ target: '192.0.2.1:8080', command: 'record list' }, sio), 2)
  t.match(out.stderr, /refusing to connect to 192\.0\.2\.1:8080 over TCP without an API token/)
  const bad = io()
  t.equal(await runClient({ target: 'host:99999', command: 'record list' }, bad.io), 2)
  t.match(bad.out.stderr, /invalid port/)
  const withEnv = io({ DNSPLANE_API_TOKEN: 'tok' })
  const code = await runClient({ target: '192.0.2.1:8080', command: 'record list', timeoutMs: 200 }, withEnv.io)
  t.equal(code, 1, 'passes the token policy, then fails to connect')
  t.notMatch(withEnv.out.stderr, /without an API token/)
})

t.test('the default socket follows the original locations', async (t) => {
  t.equal(defaultSocketPath({}, 0, '/root'), path.join(os.tmpdir(), 'dnsplane.socket'))
  t.equal(defaultSocketPath({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000, '/home/u'), '/run/user/1000/dnsplane.socket')
  t.equal(defaultSocketPath({}, 1000, '/home/u'), '/home/u/.config/dnsplane/dnsplane.socket')
})
