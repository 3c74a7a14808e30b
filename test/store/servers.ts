import { readFileSync } from 'node:fs'
import t from 'tap'
import { isDnsplaneError, type ErrorCode } from '../../src/errors.js'
import { GO_ZERO_TIME } from '../../src/store/record.js'
import {
  addServer,
  DEFAULT_SERVERS,
  parseServersFile,
  removeServer,
  serializeServersFile,
  updateServer,
  type DnsServer,
} from '../../src/store/servers.js'

const fixture = readFileSync(new URL('../fixtures/store/go-servers.json', import.meta.url), 'utf8')

function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn()
  } catch (err) {
    return isDnsplaneError(err) ? err.code : undefined
  }
  return undefined
}

function messageOf(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    return (err as Error).message
  }
  return ''
}

t.test('round-trips a Go-written dnsservers.json byte for byte', async (t) => {
  const servers = parseServersFile(fixture)
  t.equal(servers.length, 3)
  t.same(servers[1].domain_whitelist, ['internal.example.com', 'corp.example'])
  t.equal(serializeServersFile(servers, false), fixture)
})

t.test('writes the default row inactive with zero times always present', async (t) => {
  t.equal(
    serializeServersFile(DEFAULT_SERVERS, false),
    '{"dnsservers":[{"address":"1.1.1.1","port":"53","active":false,"local_resolver":true,"adblocker":false,' +
      '"last_used":"0001-01-01T00:00:00Z","last_success":"0001-01-01T00:00:00Z"}]}\n',
  )
})

t.test('reads null, missing port/times and omits empty optional fields', async (t) => {
  t.same(parseServersFile('{"dnsservers":null}'), [])
  const [s] = parseServersFile('{"dnsservers":[{"address":"9.9.9.9","active":true,"domain_whitelist":[],"transport":""}]}')
  t.same(s, { address: '9.9.9.9', port: '53', active: true, local_resolver: false, adblocker: false, last_used: GO_ZERO_TIME, last_success: GO_ZERO_TIME })
})

const bad: [string, string, RegExp][] = [
  ['port as a number', '{"dnsservers":[{"address":"1.1.1.1","port":53}]}', /dnsservers\[0\]\.port: must be a string/],
  ['unknown transport', '{"dnsservers":[{"address":"1.1.1.1","transport":"quic"}]}', /dnsservers\[0\]\.transport: must be one of/],
  ['missing address', '{"dnsservers":[{},{"port":"53"}]}', /dnsservers\[0\]\.address: is required/],
  ['whitelist of numbers', '{"dnsservers":[{"address":"1.1.1.1","domain_whitelist":[1]}]}', /domain_whitelist\[0\]: must be a string/],
  ['active as a string', '{"dnsservers":[{"address":"1.1.1.1","active":"yes"}]}', /active: must be a boolean/],
  ['not an object', '[1]', /must be a JSON object/],
]
for (const [label, text, want] of bad) {
  t.test(`rejects ${label} with ERR_SERVERS_PARSE`, async (t) => {
    t.equal(codeOf(() => parseServersFile(text)), 'ERR_SERVERS_PARSE')
    t.match(messageOf(() => parseServersFile(text)), want)
  })
}

t.test('add defaults to active, local resolver, port 53 and requires an IP literal', async (t) => {
  const { servers, server } = addServer([], { address: '8.8.8.8' })
  t.same(server, { address: '8.8.8.8', port: '53', active: true, local_resolver: true, adblocker: false, last_used: GO_ZERO_TIME, last_success: GO_ZERO_TIME })
  t.equal(servers.length, 1)
  t.equal(codeOf(() => addServer([], { address: 'dns.google' })), 'ERR_SERVER_INVALID')
  t.equal(codeOf(() => addServer(servers, { address: '8.8.8.8' })), 'ERR_SERVER_INVALID', 'no second row for one address')
  t.equal(codeOf(() => addServer([], { address: '8.8.8.8', port: 70000 })), 'ERR_SERVER_INVALID')
  const full = addServer([], {
    address: '10.0.0.53', port: 5353, active: false, domain_whitelist: ['Internal.Example.com.'],
    fallback_address: '10.0.0.54', fallback_port: '53', fallback_transport: 'TCP',
  }).server
  t.same(full, {
    address: '10.0.0.53', port: '5353', active: false, local_resolver: true, adblocker: false,
    domain_whitelist: ['internal.example.com'], fallback_address: '10.0.0.54', fallback_port: '53',
    fallback_transport: 'tcp', last_used: GO_ZERO_TIME, last_success: GO_ZERO_TIME,
  })
})

t.test('update keeps unspecified fields but resets an omitted port to 53', async (t) => {
  const start: DnsServer[] = [addServer([], { address: '10.0.0.53', port: '5353', domain_whitelist: ['a.example'], fallback_address: '10.0.0.54', fallback_port: '54' }).server]
  const { server } = updateServer(start, '10.0.0.53', { active: false })
  t.equal(server.port, '53')
  t.equal(server.active, false)
  t.same(server.domain_whitelist, ['a.example'])
  const cleared = updateServer(start, '10.0.0.53', { port: '5300', domain_whitelist: [], fallback_address: '' }).server
  t.equal(cleared.port, '5300')
  t.notOk('domain_whitelist' in cleared)
  t.notOk('fallback_address' in cleared || 'fallback_port' in cleared)
  t.equal(start[0].port, '5353', 'input list not mutated')
  t.equal(codeOf(() => updateServer(start, '10.9.9.9', {})), 'ERR_SERVER_NOT_FOUND')
})

t.test('remove by address (any IPv6 spelling); unknown address is ERR_SERVER_NOT_FOUND', async (t) => {
  const list = addServer([], { address: '2001:db8::53' }).servers
  t.equal(removeServer(list, '2001:0db8:0:0:0:0:0:53').servers.length, 0)
  t.equal(codeOf(() => removeServer(list, '192.0.2.1')), 'ERR_SERVER_NOT_FOUND')
})

t.test('transport doh requires an https doh_url', async (t) => {
  t.equal(codeOf(() => addServer([], { address: '9.9.9.9', transport: 'doh' })), 'ERR_SERVER_INVALID')
  t.equal(codeOf(() => addServer([], { address: '9.9.9.9', transport: 'doh', doh_url: 'http://x/dns-query' })), 'ERR_SERVER_INVALID')
  t.equal(addServer([], { address: '9.9.9.9', transport: 'doh', doh_url: 'https://dns.quad9.net/dns-query' }).server.transport, 'doh')
})
