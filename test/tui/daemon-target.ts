import t from 'tap'
import { isLoopbackHost, resolveTarget, tokenPolicyError } from '../../src/tui/daemon-target.js'

const SOCK = '/run/dnsplane/dnsplane.socket'

t.test('resolves client targets per the original rules, with the API port for TCP', async (t) => {
  const cases: [string | undefined, Record<string, unknown>][] = [
    [undefined, { kind: 'unix', path: SOCK }],
    ['', { kind: 'unix', path: SOCK }],
    ['/tmp/x.sock', { kind: 'unix', path: '/tmp/x.sock' }],
    ['./rel.sock', { kind: 'unix', path: './rel.sock' }],
    ['C:\\pipe\\x', { kind: 'unix', path: 'C:\\pipe\\x' }],
    ['@abstract', { kind: 'unix', path: '\0abstract', display: '@abstract' }],
    ['unix:///var/run/d.sock', { kind: 'unix', path: '/var/run/d.sock' }],
    ['10.0.0.2:9000', { kind: 'tcp', host: '10.0.0.2', port: 9000, loopback: false, tls: false }],
    ['tcp://10.0.0.2:9000', { kind: 'tcp', host: '10.0.0.2', port: 9000 }],
    [':9000', { kind: 'tcp', host: '127.0.0.1', port: 9000, loopback: true }],
    ['dns1.lan', { kind: 'tcp', host: 'dns1.lan', port: 8080 }],
    ['localhost', { kind: 'tcp', host: 'localhost', port: 8080, loopback: true }],
    ['[::1]:8081', { kind: 'tcp', host: '::1', port: 8081, loopback: true, display: '[::1]:8081' }],
    ['::1', { kind: 'tcp', host: '::1', port: 8080 }],
    ['https://dns1.lan:8443', { kind: 'tcp', host: 'dns1.lan', port: 8443, tls: true }],
  ]
  for (const [input, want] of cases) t.match(resolveTarget(input, SOCK), want, String(input))
})

t.test('rejects malformed ports and empty socket paths', async (t) => {
  for (const bad of ['host:0', 'host:65536', 'host:abc', 'unix://', 'tcp://a/b']) {
    t.throws(() => resolveTarget(bad, SOCK), { code: 'ERR_BAD_REQUEST' }, bad)
  }
  t.throws(() => resolveTarget('', ''), { code: 'ERR_BAD_REQUEST' })
})

t.test('recognises loopback hosts', async (t) => {
  for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1']) t.ok(isLoopbackHost(h), h)
  for (const h of ['10.0.0.1', 'example.com', '::2', '128.0.0.1']) t.notOk(isLoopbackHost(h), h)
})

t.test('refuses remote TCP without a token, allows socket and loopback', async (t) => {
  t.match(tokenPolicyError(resolveTarget('10.0.0.2:8080', SOCK), undefined), /without an API token.*--token.*DNSPLANE_API_TOKEN/)
  t.match(tokenPolicyError(resolveTarget('10.0.0.2:8080', SOCK), '  '), /without an API token/)
  t.equal(tokenPolicyError(resolveTarget('10.0.0.2:8080', SOCK), 'secret'), undefined)
  t.equal(tokenPolicyError(resolveTarget('127.0.0.1:8080', SOCK), undefined), undefined)
  t.equal(tokenPolicyError(resolveTarget('', SOCK), undefined), undefined)
})
