import t from 'tap'
import http from 'node:http'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { checkHealth, httpReason } from '../../../src/cli/commands/health.js'
import { parseHealthArgs } from '../../../src/cli/health-entry.js'
import { freePort } from '../../helpers/daemon.js'
import { runBin } from '../../helpers/bin.js'
import { labSkipReason } from '../../helpers/lab/cluster.js'

async function listen(server: net.Server, t: { teardown: (fn: () => Promise<void>) => void }): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return (server.address() as AddressInfo).port
}

function answering(status: number, body: string) {
  return http.createServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(body))
}

t.test('a closed port says "connection refused"', async (t) => {
  const url = `http://127.0.0.1:${await freePort()}/ready`
  t.same(await checkHealth({ url, timeoutMs: 2000 }), { ok: false, line: `not ready: ${url}: connection refused` })
})

t.test('a server that never answers says "timeout"', async (t) => {
  const sockets: net.Socket[] = []
  const port = await listen(net.createServer((s) => sockets.push(s)), t)
  t.teardown(async () => sockets.forEach((s) => s.destroy()))
  const url = `http://127.0.0.1:${port}/ready`
  t.same(await checkHealth({ url, timeoutMs: 200 }), { ok: false, line: `not ready: ${url}: timeout after 200 ms` })
})

t.test('a 503 says "HTTP 503: <reasons>"', async (t) => {
  const port = await listen(answering(503, JSON.stringify({ ready: false, reasons: ['dns not listening', 'not yet synced'] })), t)
  const url = `http://127.0.0.1:${port}/ready`
  t.same(await checkHealth({ url, timeoutMs: 2000 }), { ok: false, line: `not ready: ${url}: HTTP 503: dns not listening; not yet synced` })
})

t.test('a 200 is ready; a non-JSON error body gives the status alone', async (t) => {
  const ok = await listen(answering(200, '{"ready":true}'), t)
  t.same(await checkHealth({ url: `http://127.0.0.1:${ok}/ready`, timeoutMs: 2000 }), { ok: true, line: `ready: http://127.0.0.1:${ok}/ready` })
  const bad = await listen(answering(500, '<html>oops</html>'), t)
  t.match((await checkHealth({ url: `http://127.0.0.1:${bad}/ready`, timeoutMs: 2000 })).line, /: HTTP 500$/)
  t.equal(httpReason(503, '{"reasons":[]}'), 'HTTP 503')
})

t.test('a bad URL is named as such', async (t) => {
  t.match((await checkHealth({ url: 'not a url', timeoutMs: 100 })).line, /: invalid URL$/)
  t.match((await checkHealth({ url: 'ftp://127.0.0.1/ready', timeoutMs: 100 })).line, /unsupported URL scheme ftp:/)
})

t.test('the fast entry parses what the full command line accepts, and leaves the rest to it', async (t) => {
  t.same(parseHealthArgs([]), { url: 'http://127.0.0.1:8080/ready', timeoutMs: 2000, quiet: false })
  t.same(parseHealthArgs(['--url', 'http://x/ready', '--timeout', '1500', '-q']), { url: 'http://x/ready', timeoutMs: 1500, quiet: true })
  t.same(parseHealthArgs(['--url=http://y/ready', '--timeout=abc', '--quiet']), { url: 'http://y/ready', timeoutMs: 2000, quiet: true })
  for (const args of [['--help'], ['-h'], ['--url'], ['--bogus'], ['extra'], ['--quiet=1']]) t.equal(parseHealthArgs(args), undefined, args.join(' '))
})

t.test('bin/dnsplane.js health: exit 1 and the reason on stderr; --help still works', { skip: labSkipReason() }, async (t) => {
  const run = (args: string[]) => runBin(['health', ...args])
  const url = `http://127.0.0.1:${await freePort()}/ready`
  const refused = await run(['--url', url, '--timeout', '1000'])
  t.equal(refused.code, 1)
  t.equal(refused.stderr, `not ready: ${url}: connection refused\n`)
  const port = await listen(answering(200, '{"ready":true}'), t)
  t.same(await run(['--url', `http://127.0.0.1:${port}/ready`, '-q']), { code: 0, stdout: '', stderr: '' })
  const help = await run(['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /Usage: dnsplane health/)
})
