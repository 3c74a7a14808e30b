import t from 'tap'
import { executeCommand, qualifiedLine } from '../../../src/tui/commands/execute.js'
import { INITIAL_STATE, type ExecuteResult, type OutputBlock } from '../../../src/tui/commands/types.js'
import { renderBlocks } from '../../../src/tui/format.js'
import { apiError, fakeClient, type FakeHandler } from '../../helpers/fake-daemon-client.js'

const NOW = Date.parse('2024-05-01T12:00:00Z')

async function run(line: string, routes: Record<string, FakeHandler> = {}, state = INITIAL_STATE) {
  const client = fakeClient(routes)
  const result = await executeCommand(line, state, client, { now: () => NOW })
  return { result, client, text: renderBlocks(result.output) }
}

const errorOf = (r: ExecuteResult): Extract<OutputBlock, { kind: 'error' }> | undefined =>
  r.output.find((b): b is Extract<OutputBlock, { kind: 'error' }> => b.kind === 'error')

t.test('navigation: enter a context, go back, cd, unknown words', async (t) => {
  const c = fakeClient()
  let r = await executeCommand('record', INITIAL_STATE, c)
  t.same(r.state, { context: 'record' })
  t.same(r.output, [])
  r = await executeCommand('..', r.state, c)
  t.same(r.state, { context: null })
  r = await executeCommand('cd cluster', r.state, c)
  t.same(r.state, { context: 'cluster' })
  r = await executeCommand('/', r.state, c)
  t.same(r.state, { context: null })
  r = await executeCommand('cd nowhere', r.state, c)
  t.equal(r.ok, false)
  t.match(errorOf(r)?.message, /unknown context "nowhere"/)
  r = await executeCommand('frobnicate', { context: 'dns' }, c)
  t.equal(r.ok, false)
  t.match(errorOf(r)?.message, 'unknown command "frobnicate" in dns')
  r = await executeCommand('exit', INITIAL_STATE, c)
  t.equal(r.effect, 'exit')
  r = await executeCommand('say "open', INITIAL_STATE, c)
  t.equal(r.ok, false)
  t.match(errorOf(r)?.message, /unterminated/)
  t.same(c.calls, [], 'navigation never calls the daemon')
})

t.test('--help and -h print the help of any command, context or built-in and call nothing', async (t) => {
  const list = await run('record list --help')
  t.match(list.text, /^usage: record list \[details\|d\] \[filter\]/)
  t.same(list.client.calls, [], '--help is not read as a filter')
  t.match((await run('list -h', {}, { context: 'record' })).text, /^usage: record list/)
  t.match((await run('record remove www.example.com --yes -h')).text, /^usage: record remove/)
  t.match((await run('cluster peer add -h')).text, /^usage: cluster peer/)
  t.match((await run('dns --help')).text, /^dns: upstream/)
  t.match((await run('--help')).text, /record\s+local DNS records/)
  t.match((await run('cd -h')).text, /^usage: cd <context>\|\.\.\|\//)
  const r = await run('server set port -h')
  t.equal(r.result.ok, true)
  t.same(r.result.state, INITIAL_STATE)
  t.same(r.client.calls, [])
})

t.test('"<ctx> <cmd>" runs from anywhere and keeps the current context', async (t) => {
  const { result, client } = await run('record list', { 'GET /dns/records': { records: [], detailed: false } }, { context: 'dns' })
  t.same(result.state, { context: 'dns' })
  t.equal(client.calls[0].path, '/dns/records')
})

t.test('help: root, context, command, and a trailing ?', async (t) => {
  t.match((await run('?')).text, /record\s+local DNS records[\s\S]*stats[\s\S]*exit quit q/)
  t.match((await run('help', {}, { context: 'cluster' })).text, /cluster: replication[\s\S]*peer\s+list\|add\|remove\|set-role/)
  t.match((await run('record add ?')).text, /usage: record add <name> \[type\] <value> \[ttl\]/)
  t.match((await run('add help', {}, { context: 'record' })).text, /usage: record add/)
  t.match((await run('help dns add')).text, /keys: active, localresolver/)
  t.match((await run('contexts')).text, /tools\s+diagnostics/)
})

t.test('history built-in lists previous lines', async (t) => {
  const r = await executeCommand('history', INITIAL_STATE, fakeClient(), { history: ['record list', 'dns list'] })
  t.match(renderBlocks(r.output), /1 {2}record list\n\s+2 {2}dns list/)
})

t.test('record add posts the inferred record and shows status and warnings', async (t) => {
  const { result, client, text } = await run('record add 192.0.2.7 host.example.com', {
    'POST /dns/records': { status: 'record added', messages: ['TTL capped'] },
  })
  t.same(client.calls[0].body, { name: 'host.example.com', type: 'A', value: '192.0.2.7' })
  t.equal(result.ok, true)
  t.equal(result.effect, 'records-changed')
  t.match(text, /record added\nTTL capped/)
})

t.test('record add of a duplicate says it already exists, never "record added"', async (t) => {
  // The daemon answers a duplicate with status "record added" and a message (src/store/file-store.ts add).
  const { result, text } = await run('record add host.example.com A 192.0.2.7', {
    'POST /dns/records': { status: 'record added', messages: ['record already exists'] },
  })
  t.notMatch(text, 'record added')
  t.equal(text, 'record already exists; nothing added\n')
  t.equal(result.effect, undefined, 'nothing changed')
})

t.test('record add with a quoted TXT value and ttl', async (t) => {
  const { client } = await run('record add txt.example.com TXT "v=spf1 -all" 600', { 'POST /dns/records': { status: 'record added' } })
  t.same(client.calls[0].body, { name: 'txt.example.com', type: 'TXT', value: '"v=spf1 -all"', ttl: 600 })
})

t.test('record add usage errors show the usage line and call nothing', async (t) => {
  const { result, client } = await run('record add a.example b.example')
  t.equal(result.ok, false)
  t.match(errorOf(result), { message: /^record add: with two arguments/, hint: 'usage: record add <name> [type] <value> [ttl]' })
  t.same(client.calls, [])
})

t.test('record add shows the daemon error with its messages', async (t) => {
  const { result, text } = await run('record add a.example A 999.1.1.1', { 'POST /dns/records': apiError(400, 'invalid arguments', ['value: not an IPv4 address']) })
  t.equal(result.ok, false)
  t.match(text, /error: invalid arguments \(HTTP 400\)\n {2}value: not an IPv4 address/)
  t.same(result.raw, { error: 'invalid arguments', messages: ['value: not an IPv4 address'] })
})

t.test('record update puts, record remove deletes by query', async (t) => {
  const u = await run('record update www.example.com A 192.0.2.1 60', { 'PUT /dns/records': { status: 'record updated' } })
  t.same(u.client.calls[0].body, { name: 'www.example.com', type: 'A', value: '192.0.2.1', ttl: 60 })
  t.match(u.text, 'record updated')
  const one = { records: [{ name: 'www.example.com', type: 'A', value: '192.0.2.1', ttl: 60 }, { name: 'www.example.com', type: 'A', value: '192.0.2.2', ttl: 60 }] }
  const r = await run('record remove www.example.com 192.0.2.1', { 'GET /dns/records': one, 'DELETE /dns/records': { status: 'record deleted' } })
  t.same(r.client.calls[0].query, { name: 'www.example.com', type: 'A' })
  t.same(r.client.calls[1].query, { name: 'www.example.com', type: 'A', value: '192.0.2.1' })
  t.equal(r.text, '1 record deleted\n')
  t.same(r.result.raw, { status: 'record deleted', removed: 1 })
  const byId = await run('record remove 3f2504e0-4f89-41d3-9a0c-0305e82c3301', { 'DELETE /dns/records': { status: 'record deleted' } })
  t.same(byId.client.calls[0].query, { id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' })
  t.equal(byId.text, '1 record deleted\n')
})

t.test('record remove by name counts the matches and needs --yes for more than one', async (t) => {
  const listed = {
    records: [
      { name: 'www.example.com', type: 'A', value: '192.0.2.1', ttl: 60 },
      { name: 'WWW.example.com.', type: 'AAAA', value: '2001:db8::1', ttl: 60 },
      { name: 'www.example.com.au', type: 'A', value: '192.0.2.9', ttl: 60 },
    ],
    detailed: false,
  }
  const routes = { 'GET /dns/records': listed, 'DELETE /dns/records': { status: 'record deleted', messages: [] } }
  const held = await run('record remove www.example.com', routes)
  t.equal(held.result.ok, false)
  t.equal(held.client.calls.length, 1, 'only the count, no DELETE')
  t.match(held.text, /www\.example\.com\s+A\s+192\.0\.2\.1[\s\S]*2001:db8::1/)
  t.notMatch(held.text, 'example.com.au', 'a longer name is not a match')
  t.match(errorOf(held.result), { message: '2 records match www.example.com; nothing removed', hint: /--yes/ })
  const yes = await run('record remove www.example.com --yes', routes)
  t.equal(yes.result.ok, true)
  t.same(yes.client.calls[1], { method: 'DELETE', path: '/dns/records', query: { name: 'www.example.com', type: undefined, value: undefined } })
  t.equal(yes.text, '2 records deleted\n')
  t.equal((yes.result.raw as { removed: number }).removed, 2)
  const y = await run('record remove -y www.example.com AAAA', routes)
  t.equal(y.text, '1 record deleted\n')
  const none = await run('record remove nothing.example.com', { 'GET /dns/records': { records: null } })
  t.equal(none.result.ok, false)
  t.match(errorOf(none.result)?.message, 'no record matches nothing.example.com')
  t.equal(none.client.calls.length, 1)
})

t.test('record list renders a table, with filter and details', async (t) => {
  const records = [
    { id: 'id-1', name: 'www.example.com', type: 'A', value: '192.0.2.1', ttl: 3600, added_on: '2024-01-01T00:00:00Z', updated_on: '2024-01-02T00:00:00Z', last_query: '0001-01-01T00:00:00Z' },
  ]
  const { client, text } = await run('record list d example', { 'GET /dns/records': { records, detailed: true } })
  t.same(client.calls[0].query, { name: 'example', type: undefined, details: '1' })
  t.match(text, /Name\s+Type\s+Value\s+TTL\s+Added\s+Updated/)
  t.match(text, /www\.example\.com\s+A\s+192\.0\.2\.1\s+3600\s+2024-01-01T00:00:00Z/)
  t.match(text, '1 record')
  const typed = await run('record list MX', { 'GET /dns/records': { records: null, detailed: false } })
  t.same(typed.client.calls[0].query, { name: undefined, type: 'MX', details: undefined })
  t.match(typed.text, 'no records')
})

t.test('record reload', async (t) => {
  const { client, text } = await run('record reload', { 'POST /dns/records/reload': { status: 'reloaded', records: 12 } })
  t.equal(client.calls[0].method, 'POST')
  t.match(text, 'reloaded (12 records)')
})

t.test('dns add posts key:value settings; dns list draws the servers', async (t) => {
  const a = await run('dns add 192.168.1.1 53 localresolver:true whitelist:home.lan', { 'POST /dns/servers': { status: 'server added' } })
  t.same(a.client.calls[0].body, { address: '192.168.1.1', port: 53, local_resolver: true, domain_whitelist: ['home.lan'] })
  t.match(a.text, 'server added')
  const l = await run('dns list', {
    'GET /dns/servers': { servers: [{ address: '1.1.1.1', port: '53', active: true, local_resolver: false, adblocker: false, domain_whitelist: ['a.lan', 'b.lan'] }] },
  })
  t.match(l.text, /Address\s+Port\s+Active\s+Local\s+AdBlocker\s+Whitelist/)
  t.match(l.text, /1\.1\.1\.1\s+53\s+yes\s+no\s+no\s+a\.lan,b\.lan/)
})

t.test('dns update keeps current settings not given and PUTs to the address', async (t) => {
  const current = { address: '1.1.1.1', port: 5353, active: true, local_resolver: true, adblocker: false }
  const { client, text } = await run('dns update 1.1.1.1 active:false', { 'GET /dns/servers': { servers: [current] }, 'PUT /dns/servers/1.1.1.1': { status: 'server updated' } })
  t.equal(client.calls[1].path, '/dns/servers/1.1.1.1')
  t.same(client.calls[1].body, { ...current, active: false })
  t.match(text, 'server updated')
  const missing = await run('dns update 9.9.9.9 active:false', { 'GET /dns/servers': { servers: [current] } })
  t.match(errorOf(missing.result)?.message, /9\.9\.9\.9 is not configured/)
})

t.test('dns remove encodes the address in the path', async (t) => {
  const { client, text } = await run('dns remove 2001:db8::53', { 'DELETE /dns/servers/2001%3Adb8%3A%3A53': { status: 'server removed' } })
  t.equal(client.calls[0].method, 'DELETE')
  t.match(text, 'server removed')
})

t.test('cache list, remove and clear', async (t) => {
  const l = await run('cache list', { 'GET /cache': { cache: [{ name: 'example.com', type: 'A', value: '93.184.216.34', ttl: 120, expires_at: '2024-05-01T12:02:00Z' }] } })
  t.match(l.text, /Name\s+Type\s+Value\s+TTL\s+Expires\n[-\s]+\nexample\.com\s+A\s+93\.184\.216\.34\s+120\s+2024-05-01T12:02:00Z/)
  const empty = await run('cache list', { 'GET /cache': { cache: [] } })
  t.match(empty.text, 'cache is empty')
  const r = await run('cache remove example.com a', { 'DELETE /api/v1/cache/entries': { removed: 2 } })
  t.same(r.client.calls[0].query, { name: 'example.com', type: 'A', value: undefined })
  t.match(r.text, 'removed 2 cache entries')
  const c = await run('cache clear', { 'POST /cache/clear': { status: 'cache cleared' } })
  t.match(c.text, 'cache cleared')
})

t.test('server config prints settings with secrets redacted even if the daemon leaks one', async (t) => {
  const cfg = { port: '53', api_auth_token: 'leaked-secret', cluster_auth_token: '', cluster_peers: ['10.0.0.2:7946'], file_locations: { dnsrecords: '/etc/dnsplane/dnsrecords.json' } }
  const { result, text } = await run('server config', { 'GET /api/v1/config': cfg })
  t.notMatch(text, 'leaked-secret')
  t.match(text, /api_auth_token\s+\(set\)/)
  t.match(text, /cluster_auth_token\s+\(empty\)/)
  t.match(text, /file_locations\.dnsrecords\s+\/etc\/dnsplane\/dnsrecords\.json/)
  t.notMatch(JSON.stringify(result.raw), 'leaked-secret')
  const f = await run('server config cluster', { 'GET /api/v1/config': cfg })
  t.notMatch(f.text, /\bport\b\s+53/)
  t.match(f.text, 'cluster_peers')
})

t.test('server set sends key and value, reports restart and save', async (t) => {
  const { client, text } = await run('server set cluster_sync_policy "global_lww"', {
    'POST /api/v1/config/set': { key: 'cluster_sync_policy', value: 'global_lww', restart_required: false },
  })
  t.same(client.calls[0].body, { key: 'cluster_sync_policy', value: 'global_lww' })
  t.match(text, /cluster_sync_policy = global_lww\nRun 'server save'/)
  const r = await run('server set port 5353', { 'POST /api/v1/config/set': { key: 'port', value: '5353', restart_required: true } })
  t.match(r.text, 'takes effect after a restart')
  const secret = await run('server set api_auth_token hunter2', { 'POST /api/v1/config/set': { key: 'api_auth_token', value: 'hunter2', restart_required: false } })
  t.notMatch(secret.text, 'hunter2')
  t.notMatch(JSON.stringify(secret.result.raw), 'hunter2')
  const bad = await run('server set port')
  t.match(errorOf(bad.result), { message: 'server set: expected exactly <setting> <value>', hint: 'usage: server set <setting> <value>' })
  const unknown = await run('server set nope 1', { 'POST /api/v1/config/set': () => { throw Object.assign(new Error('unknown setting: nope'), {}) } })
  t.match(errorOf(unknown.result)?.message, 'unknown setting: nope')
})

t.test('server save, load, status and version', async (t) => {
  t.match((await run('server save', { 'POST /api/v1/config/save': {} })).text, 'config saved')
  t.match((await run('server load', { 'POST /api/v1/config/load': {} })).text, 'config loaded')
  const s = await run('server status dns', { 'GET /api/v1/status': { dns: { up: true, port: 53 }, api: { up: true } } })
  t.match(s.text, /dns\.port\s+53/)
  t.notMatch(s.text, 'api.up')
  const v = await run('server version', { 'GET /version': { version: '0.1.0', node_version: 'v20.20.2' } })
  t.match(v.text, /dnsplane 0\.1\.0\nnode_version: v20\.20\.2/)
})

t.test('server version never says go_version (the daemon keeps it for old scripts)', async (t) => {
  const body = { version: '0.1.0', go_version: 'v20.20.2', node_version: 'v20.20.2', os: 'linux', arch: 'x64' }
  const v = await run('server version', { 'GET /version': body })
  t.notMatch(v.text, 'go_version')
  t.equal(v.text, 'dnsplane 0.1.0\nnode_version: v20.20.2\nos: linux\narch: x64\n')
  t.same(v.result.raw, { version: '0.1.0', node_version: 'v20.20.2', os: 'linux', arch: 'x64' })
})

t.test('--json answers carry [] for empty lists, never null', async (t) => {
  const r = await run('record list', { 'GET /dns/records': { records: null, detailed: false } })
  t.same(r.result.raw, { records: [], detailed: false })
  const c = await run('cluster status', { 'GET /api/v1/cluster': { enabled: false, peers: null, nested: { messages: null }, held: null } })
  t.same(c.result.raw, { enabled: false, peers: [], nested: { messages: [] }, held: null }, 'only list keys become []')
})

t.test('unset times (Go zero time) read "—" in human output, unchanged in --json', async (t) => {
  const records = [{ id: 'id-1', name: 'www.example.com', type: 'A', value: '192.0.2.1', ttl: 3600, added_on: '2024-01-01T00:00:00Z', updated_on: '0001-01-01T00:00:00Z', last_query: '0001-01-01T00:00:00Z' }]
  const r = await run('record list d', { 'GET /dns/records': { records, detailed: true } })
  t.notMatch(r.text, '0001-01-01')
  t.match(r.text, /2024-01-01T00:00:00Z\s+—\s+—\s+id-1/)
  t.equal((r.result.raw as { records: { last_query: string }[] }).records[0].last_query, '0001-01-01T00:00:00Z')
  const c = await run('cluster status', { 'GET /api/v1/cluster': { enabled: true, peers: [{ address: '10.0.0.2:7946', last_sync_ok: '0001-01-01T00:00:00.000Z' }] } })
  t.notMatch(c.text, '0001-01-01')
  t.match(c.text, /10\.0\.0\.2:7946\s+—\s+no\s+—/)
})

t.test('stats shows counters and asks for the live view', async (t) => {
  const raw = {
    session: { resolver: { total_queries: 200, total_cache_hits: 50, total_blocks: 4, total_queries_forwarded: 0, total_queries_answered: 198, server_start_time: '2024-05-01T11:00:00Z' } },
  }
  const { result, text } = await run('stats', { 'GET /stats': raw })
  t.equal(result.effect, 'live-stats')
  t.match(text, /Uptime\s+1h 0s/)
  t.match(text, /Cache hits\s+50 \(25\.0%\)/)
  t.match(text, /Total queries\s+200/)
  const once = await run('stats once', { 'GET /stats': raw })
  t.equal(once.result.effect, undefined)
})

t.test('tools dig posts the query and draws the answers', async (t) => {
  const { client, text } = await run('tools dig MX example.com @1.1.1.1', {
    // The daemon's shape (src/api/routes/tools.ts): {query, results: DigRow[]}.
    'POST /api/v1/tools/dig': {
      query: { name: 'example.com', type: 'MX', server: '1.1.1.1' },
      results: [
        { server: '1.1.1.1:53', status: 'OK', time_ms: 12.34, answers: ['example.com. 300 IN MX 10 mail.example.com.', 'example.com. 300 IN MX 20 mx2.example.com.'] },
        { server: '9.9.9.9:53', status: 'ERROR', time_ms: 5000, answers: [], error: 'timeout' },
      ],
    },
  })
  t.same(client.calls[0].body, { name: 'example.com', type: 'MX', server: '1.1.1.1' })
  t.match(text, /Server\s+Status\s+Time\s+Answer\n[-\s]+\n1\.1\.1\.1:53\s+OK\s+12\.3 ms\s+example\.com\. 300 IN MX 10 mail/)
  t.match(text, /\n\s+example\.com\. 300 IN MX 20 mx2\.example\.com\.\n9\.9\.9\.9:53\s+ERROR\s+5000\.0 ms\s+timeout/)
  t.notMatch(text, 'no servers queried')
})

t.test('cluster status is one summary line and a peer table; --json is the status object alone', async (t) => {
  const status = {
    enabled: true,
    node_id: 'n1',
    sync_policy: 'record_lww',
    healthy: true,
    peers: [
      { address: '10.0.0.2:7946', node_id: 'n2', reachable: true, last_probe_rtt_ms: 1.25, last_sync_ok: new Date(Date.now() - 60_000).toISOString(), replication_lag_seconds: 2, pending_entries: 3, records: 42, digest_match: true },
      { address: '10.0.0.3:7946', reachable: false, last_outbound_error: 'connect ECONNREFUSED 10.0.0.3:7946', pending_push: true },
    ],
  }
  const answer = { node_id: 'n1', enabled: true, healthy: true, peers: [{ address: '10.0.0.2:7946' }], status }
  const { result, client, text } = await run('cluster status', { 'GET /api/v1/cluster': answer, 'GET /api/v1/status': { records: 42 } })
  t.equal(text.split('\n')[0], 'node n1 · policy record_lww · 42 records · in sync (1/2 peers reachable)')
  t.match(text, /Peer\s+Node\s+Reachable\s+Last sync\s+Lag\s+Pending\s+Records\s+Last error/)
  t.match(text, /10\.0\.0\.2:7946\s+n2\s+yes \(1\.3 ms\)\s+1m \d+s ago\s+2s\s+3\s+42 ✓/, 'last sync a minute ago, but only 2 s behind')
  t.match(text, /10\.0\.0\.3:7946\s+—\s+no\s+never\s+—\s+push queued\s+—\s+connect ECONNREFUSED/)
  t.ok(text.split('\n').length < 8, 'compact')
  t.same(result.raw, status, '--json: one shape, peers and healthy once')
  t.same(client.calls.map((c) => c.path), ['/api/v1/cluster', '/api/v1/status'])
  const bad = await run('cluster status x')
  t.match(errorOf(bad.result)?.message, 'status: takes no arguments (try status ?)')
})

t.test('cluster status says when clustering is off, and without a node status leaves the count out', async (t) => {
  const off = await run('cluster status', { 'GET /api/v1/cluster': { enabled: false, peers: null } })
  t.equal(off.text, 'clustering is off on this node (cluster_enabled: false)\n')
  const noCount = await run('cluster status', { 'GET /api/v1/cluster': { status: { enabled: true, node_id: 'n1', sync_policy: 'primary_writer', healthy: false, peers: [] } } })
  t.match(noCount.text, 'node n1 · policy primary_writer · NOT in sync (no peers)')
  t.match(noCount.text, 'no peers')
})

t.test('cluster peer list draws the peer table', async (t) => {
  const status = { enabled: true, peers: [{ address: '10.0.0.2:7946', node_id: 'n2', reachable: true, replication_lag_seconds: 65, records: 10, digest_match: false }] }
  const { result, text } = await run('cluster peer list', { 'GET /api/v1/cluster': { status } })
  t.match(text, /10\.0\.0\.2:7946\s+n2\s+yes\s+never\s+1m 5s\s+0\s+10 ✗ differs/)
  t.same(result.raw, { peers: status.peers })
  t.match(errorOf((await run('cluster peer lsit')).result)?.message, 'unknown peer command "lsit" (list, add, remove, set-role) (did you mean "list"?)')
  t.match(errorOf((await run('cluster peer list x')).result)?.message, 'peer list takes no arguments')
  t.match(errorOf((await run('cluster push recrds 10.0.0.2:1')).result)?.message, 'did you mean "records"?')
})

t.test('cluster pull reports per-peer results and fails when a peer failed', async (t) => {
  const ok = await run('cluster pull', { 'POST /api/v1/cluster/pull': { results: [{ address: '10.0.0.2:7946', ok: true }] } })
  t.equal(ok.result.ok, true)
  t.match(ok.text, /10\.0\.0\.2:7946\s+ok[\s\S]*cluster: pull triggered/)
  const bad = await run('cluster sync', { 'POST /api/v1/cluster/pull': { results: [{ address: '10.0.0.2:7946', ok: true }, { address: '10.0.0.3:7946', ok: false, error: 'dial tcp: refused' }] } })
  t.equal(bad.result.ok, false)
  t.match(bad.text, /10\.0\.0\.3:7946\s+failed\s+dial tcp: refused/)
  t.match(errorOf(bad.result)?.message, 'pull failed for 1 of 2 peers')
})

t.test('cluster join prints the identity block', async (t) => {
  const { text } = await run('cluster info', {
    'GET /api/v1/cluster/join': { node_id: 'node-3f2a9c0d1e4b5a67', listen_addr: ':7946', dial_address: '192.168.1.11:7946', token_sha256_hex: 'ab'.repeat(32) },
  })
  t.equal(
    text,
    [
      'Join / cluster identity (copy dial address to the full server TUI):',
      '  node_id:           node-3f2a9c0d1e4b5a67',
      '  listen_addr:       :7946',
      '  dial_address:      192.168.1.11:7946',
      `  token_sha256_hex:  ${'ab'.repeat(32)}`,
      '  (Verify token fingerprint matches the peer after setting cluster_auth_token.)',
      '',
    ].join('\n'),
  )
})

t.test('cluster peer add/remove/set-role and push call the API and print the original messages', async (t) => {
  const add = await run('cluster peer add 10.0.0.2:7946 readonly', { 'POST /api/v1/cluster/peers': {} })
  t.same(add.client.calls[0].body, { address: '10.0.0.2:7946', role: 'readonly' })
  t.match(add.text, 'cluster: peer added and persisted')
  const addMsgs = await run('cluster peer add 10.0.0.2:7946 full', { 'POST /api/v1/cluster/peers': { messages: ['peer added locally; remote set-role failed: timeout'] } })
  t.match(addMsgs.text, 'remote set-role failed')
  const rm = await run('cluster peer remove 10.0.0.2:7946', { 'DELETE /api/v1/cluster/peers/10.0.0.2%3A7946': null })
  t.match(rm.text, 'cluster: peer removed')
  const role = await run('cluster peer set-role 10.0.0.2:7946 full', { 'POST /api/v1/cluster/peers/role': null })
  t.same(role.client.calls[0].body, { address: '10.0.0.2:7946', role: 'full' })
  t.match(role.text, 'cluster: peer role updated on remote')
  const pr = await run('cluster push records 10.0.0.2:7946', { 'POST /api/v1/cluster/push/records': null })
  t.same(pr.client.calls[0].body, { address: '10.0.0.2:7946' })
  t.match(pr.text, 'cluster: push records sent')
  const pc = await run('cluster push config 10.0.0.2:7946', { 'POST /api/v1/cluster/push/config': null })
  t.match(pc.text, 'cluster: config pushed to peer')
})

t.test('cluster peer/push without arguments print help; bad roles and addresses are usage errors', async (t) => {
  t.match((await run('cluster peer')).text, /peer add <host:port>/)
  t.match((await run('cluster push')).text, /push records <host:port>/)
  t.match(errorOf((await run('cluster peer add 10.0.0.2:7946 admin')).result)?.message, 'role must be full or readonly')
  t.match(errorOf((await run('cluster peer set-role 10.0.0.2:7946')).result)?.message, 'role must be full or readonly')
  t.match(errorOf((await run('cluster peer add nohost')).result)?.message, '"nohost" is not host:port')
  t.match(errorOf((await run('cluster push everything 10.0.0.2:7946')).result)?.message, 'unknown push command')
  const dup = await run('cluster peer add 10.0.0.2:7946', { 'POST /api/v1/cluster/peers': apiError(409, 'peer already in cluster_peers') })
  t.match(dup.text, 'error: peer already in cluster_peers (HTTP 409)')
})

t.test('an unreachable daemon becomes an error block with its hint', async (t) => {
  const { DaemonClientError } = await import('../../../src/tui/daemon-client.js')
  const { result, text } = await run('record list', {
    'GET /dns/records': () => {
      throw new DaemonClientError('ERR_PEER_UNREACHABLE', 'cannot reach the daemon at unix socket /run/x.sock (ENOENT: no such file)', { hint: 'is the server running? start it with `dnsplane server`' })
    },
  })
  t.equal(result.ok, false)
  t.match(text, /error: cannot reach the daemon at unix socket \/run\/x\.sock[\s\S]*hint: is the server running\? start it with `dnsplane server`/)
})

t.test('a typo of a command, sub-command or context says what was meant', async (t) => {
  t.equal(errorOf((await run('recrod list')).result)?.message, 'unknown command "recrod" (did you mean "record"?)')
  t.equal(errorOf((await run('cluster stauts')).result)?.message, 'unknown command "stauts" in cluster (did you mean "status"?)')
  t.equal(errorOf((await run('lsit', {}, { context: 'record' })).result)?.message, 'unknown command "lsit" in record (did you mean "list"?)')
  t.equal(errorOf((await run('cd clustr')).result)?.message, 'cd: unknown context "clustr" (did you mean "cluster"?)')
  t.equal(errorOf((await run('cluster zzzzzzzz')).result)?.message, 'unknown command "zzzzzzzz" in cluster (try cluster ?)')
  t.equal(errorOf((await run('zzzzzzzz')).result)?.message, 'unknown command "zzzzzzzz" (type ? for help)')
})

t.test('the history line is fully qualified so it replays from the top level', async (t) => {
  t.equal(qualifiedLine('  add a.example 192.0.2.1 ', { context: 'record' }), 'record add a.example 192.0.2.1')
  t.equal(qualifiedLine('record list', { context: 'record' }), 'record list')
  t.equal(qualifiedLine('dns list', { context: 'record' }), 'dns list')
  t.equal(qualifiedLine('stats', { context: 'record' }), 'stats')
  t.equal(qualifiedLine('..', { context: 'record' }), '..')
  t.equal(qualifiedLine('list', INITIAL_STATE), 'list')
  t.equal(qualifiedLine('add "unclosed', { context: 'record' }), 'add "unclosed')
})

t.test('clear asks the app to clear the screen', async (t) => {
  t.equal((await run('clear')).result.effect, 'clear')
  t.equal((await run('cls')).result.effect, 'clear')
})

t.test('--limit/--page page a listing with its header', async (t) => {
  const records = { records: Array.from({ length: 5 }, (_, i) => ({ name: `h${i + 1}.example`, type: 'A', value: `192.0.2.${i + 1}`, ttl: 60 })) }
  const { result, client, text } = await run('record list --limit 2 --page 2', { 'GET /dns/records': records })
  t.same(client.calls[0].query, { name: undefined, type: undefined, details: undefined }, 'the flags are not a filter')
  t.match(text, /^Name\s+Type\s+Value\s+TTL\n/)
  t.match(text, 'h3.example')
  t.notMatch(text, 'h5.example')
  t.match(text, 'rows 3-4 of 5, page 2 of 3; next: record list --limit 2 --page 3')
  t.equal(result.ok, true)
  const bad = await run('dns list --page x', { 'GET /dns/servers': { servers: [] } })
  t.equal(bad.result.ok, false)
  t.match(errorOf(bad.result)?.message, 'dns list: --page expects')
  t.equal(errorOf((await run('server status --limit 2')).result)?.message !== undefined, true, 'not pageable: the flag is an argument')
})

t.test('record update --to replaces the value of the one matching record, keeping its id', async (t) => {
  const listed = { records: [{ id: 'id-1', name: 'www.example.com', type: 'A', value: '192.0.2.10', ttl: 300 }, { id: 'id-2', name: 'www.example.com', type: 'A', value: '192.0.2.99', ttl: 300 }] }
  const { result, client, text } = await run('record update www.example.com A 192.0.2.10 --to 192.0.2.11', { 'GET /dns/records': listed, 'PUT /dns/records': { status: 'record updated' } })
  t.same(client.calls[1].body, { id: 'id-1', name: 'www.example.com', type: 'A', value: '192.0.2.11', ttl: 300 })
  t.match(text, 'record updated: www.example.com A 192.0.2.10 -> 192.0.2.11')
  t.equal(result.effect, 'records-changed')
  const ttl = await run('record update www.example.com TXT "a b" 60 --to=c', { 'GET /dns/records': { records: [{ id: 'i', name: 'www.example.com', type: 'TXT', value: '"a b"', ttl: 5 }] }, 'PUT /dns/records': { messages: ['note'] } })
  t.same(ttl.client.calls[1].body, { id: 'i', name: 'www.example.com', type: 'TXT', value: '"c"', ttl: 60 })
  t.match(ttl.text, 'note')
})

t.test('record update --to refuses when nothing or several records match', async (t) => {
  const none = await run('record update a.example A 192.0.2.1 --to 192.0.2.2', { 'GET /dns/records': { records: [] } })
  t.equal(errorOf(none.result)?.message, 'no record matches a.example A 192.0.2.1')
  t.equal(none.client.calls.length, 1, 'nothing written')
  const two = { records: [{ id: '1', name: 'a.example', type: 'A', value: '192.0.2.1' }, { id: '2', name: 'A.EXAMPLE', type: 'A', value: '192.0.2.1' }] }
  t.match(errorOf((await run('record update a.example A 192.0.2.1 --to 192.0.2.2', { 'GET /dns/records': two })).result)?.message, '2 records match')
  const noId = await run('record update a.example A 192.0.2.1 --to 192.0.2.2', { 'GET /dns/records': { records: [{ name: 'a.example', type: 'A', value: '192.0.2.1' }] } })
  t.match(errorOf(noId.result)?.message, 'did not send the id')
  t.match(errorOf((await run('record update a.example A 192.0.2.1 --to')).result)?.message, '--to expects the new value')
})
