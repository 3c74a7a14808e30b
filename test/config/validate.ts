import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { configDefaults, validateConfig, type ValidateContext } from '../../src/config/validate.js'

const ctx: ValidateContext = { configDir: '/srv/dns', defaultServerSocket: '/run/user/1000/dnsplane.socket' }
const fixtureDir = join(import.meta.dirname, '..', 'fixtures', 'config')

t.test('an empty object gives every default with paths resolved against the config dir', async (t) => {
  const res = validateConfig({}, ctx)
  t.same(res.errors, [])
  t.same(res.warnings, [])
  const c = res.config!
  t.equal(c.port, '53')
  t.equal(c.apiport, '8080')
  t.equal(c.timeout, 2)
  t.equal(c.fallback_server_ip, '1.1.1.1')
  t.equal(c.fallback_server_transport, 'udp')
  t.equal(c.min_cache_ttl_seconds, 600)
  t.equal(c.dashboard_resolution_log_cap, 1000)
  t.equal(c.cluster_ready_requires_sync, false)
  t.equal(c.dns_tcp_max_connections, 256)
  t.equal(c.dns_tcp_idle_timeout_seconds, 10)
  t.equal(c.cluster_listen_addr, ':7946')
  t.equal(c.cluster_discovery_interval_seconds, 60)
  t.same(c.cluster_peers, [])
  t.equal(c.server_socket, '/run/user/1000/dnsplane.socket')
  t.equal(c.file_locations.dnsservers, '/srv/dns/dnsservers.json')
  t.equal(c.file_locations.cache, '/srv/dns/dnscache.json')
  t.same(c.file_locations.records_source.type, 'file')
  t.equal(c.file_locations.records_source.location, '/srv/dns/dnsrecords.json')
  t.equal(c.log.log_dir, '/srv/dns/log')
  t.equal(c.log.log_severity, 'none')
  t.equal(c.full_stats_dir, '/srv/dns/fullstats')
  t.equal(c.DNSRecordSettings.auto_build_ptr_from_a, true)
})

t.test('the loaded config is deeply frozen', async (t) => {
  const c = validateConfig({}, ctx).config!
  t.ok(Object.isFrozen(c))
  t.ok(Object.isFrozen(c.file_locations.records_source))
  t.ok(Object.isFrozen(c.cluster_peers))
  t.throws(() => {
    ;(c as { port: string }).port = '1'
  })
})

t.test('validation does not mutate its input', async (t) => {
  const input = { dns_port: '54', file_locations: { dnsrecords: 'r.json' } }
  const copy = structuredClone(input)
  validateConfig(input, ctx)
  t.same(input, copy)
})

const bad: [string, unknown, string][] = [
  ['cluster_sync_interval_seconds', -5, 'cluster_sync_interval_seconds: must be an integer between 0 and 2147483, got -5'],
  ['cluster_sync_interval_seconds', 1.5, 'cluster_sync_interval_seconds: must be an integer between 0 and 2147483, got 1.5'],
  ['cluster_sync_interval_seconds', '30', 'cluster_sync_interval_seconds: must be an integer between 0 and 2147483, got "30"'],
  ['port', '70000', 'port: must be a port number "0".."65535", got "70000"'],
  ['port', 'abc', 'port: must be a port number "0".."65535", got "abc"'],
  ['port', 65536, 'port: must be a port number "0".."65535", got 65536'],
  ['apiport', true, 'apiport: must be a port number "0".."65535", got true'],
  ['timeout', 0, 'timeout: must be an integer between 1 and 60, got 0'],
  ['api', 'yes', 'api: must be a boolean (true or false), got "yes"'],
  ['cluster_peers', 'a:1,b:2', 'cluster_peers: must be an array of strings (at most 1024), got "a:1,b:2"'],
  ['cluster_peers', [1, 2], 'cluster_peers: must be an array of strings (at most 1024), got [1,2]'],
  ['fallback_server_transport', 'quic', 'fallback_server_transport: must be one of udp|tcp|dot|doh, got "quic"'],
  ['dashboard_resolution_log_cap', 0, 'dashboard_resolution_log_cap: must be an integer between 1 and 1000000, got 0'],
  ['dashboard_resolution_log_cap', 1_000_001, 'dashboard_resolution_log_cap: must be an integer between 1 and 1000000, got 1000001'],
  ['cache_compact_interval_seconds', 59, 'cache_compact_interval_seconds: must be an integer between 60 and 2147483, got 59'],
  ['dns_rrl_slip', 1.5, 'dns_rrl_slip: must be a number between 0 and 1, got 1.5'],
  ['dns_max_edns_udp_payload', 65536, 'dns_max_edns_udp_payload: must be an integer between 0 and 65535, got 65536'],
  ['dns_tcp_max_connections', 0, 'dns_tcp_max_connections: must be an integer between 1 and 65535, got 0'],
  ['cluster_ready_requires_sync', 1, 'cluster_ready_requires_sync: must be a boolean (true or false), got 1'],
  // Node's timers wrap above 2^31 - 1 ms and fire back to back: every timer duration key stops below that.
  ['cluster_sync_interval_seconds', 2_147_484, 'cluster_sync_interval_seconds: must be an integer between 0 and 2147483, got 2147484'],
  ['cache_compact_interval_seconds', 2_147_484, 'cache_compact_interval_seconds: must be an integer between 60 and 2147483, got 2147484'],
  ['cluster_discovery_interval_seconds', 2_147_484, 'cluster_discovery_interval_seconds: must be an integer between 0 and 2147483, got 2147484'],
  ['dns_response_limit_mode', 'fast', 'dns_response_limit_mode: must be one of sliding_window|rrl, got "fast"'],
  ['file_locations', 'x', 'file_locations: must be an object, got "x"'],
]
for (const [key, value, message] of bad) {
  t.test(`rejects ${key} = ${JSON.stringify(value)} naming the key`, async (t) => {
    const res = validateConfig({ [key]: value }, ctx)
    t.equal(res.config, undefined)
    t.same(res.errors, [message])
  })
}

const nestedBad: [unknown, string][] = [
  [{ log: { log_severity: 'verbose' } }, 'log.log_severity: must be one of debug|info|warn|error|none, got "verbose"'],
  [{ log: { log_rotation_size_mb: 0 } }, 'log.log_rotation_size_mb: must be an integer between 1 and 1000000, got 0'],
  [{ DNSRecordSettings: { auto_build_ptr_from_a: 'true' } }, 'DNSRecordSettings.auto_build_ptr_from_a: must be a boolean (true or false), got "true"'],
  [{ file_locations: { records_source: { type: 'git' } } }, 'file_locations.records_source.type: "git" is refused by design, not planned (the reason: docs/configuration.md); must be one of file|url|bind_dir'],
  [{ file_locations: { records_source: 'x' } }, 'file_locations.records_source: must be an object, got "x"'],
]
for (const [input, message] of nestedBad) {
  t.test(`rejects nested ${JSON.stringify(input)} naming the dotted key path`, async (t) => {
    t.same(validateConfig(input, ctx).errors, [message])
  })
}

t.test('reports every bad key at once', async (t) => {
  const res = validateConfig({ port: 'x', timeout: -1 }, ctx)
  t.equal(res.errors.length, 2)
})

t.test('rejects a top level that is not an object', async (t) => {
  for (const v of [[], null, 'x', 3]) t.match(validateConfig(v, ctx).errors[0], /top level must be a JSON object/)
})

t.test('accepts ports written as JSON integers and keeps them as strings', async (t) => {
  const c = validateConfig({ port: 5353, apiport: 0 }, ctx).config!
  t.equal(c.port, '5353')
  t.equal(c.apiport, '0')
})

t.test('treats null as not set (Go writes empty lists as null)', async (t) => {
  const res = validateConfig({ cluster_peers: null, port: null, log: null }, ctx)
  t.same(res.errors, [])
  t.same(res.config!.cluster_peers, [])
  t.equal(res.config!.port, '53')
})

const aliases: [Record<string, unknown>, (c: NonNullable<ReturnType<typeof validateConfig>['config']>) => unknown, unknown][] = [
  [{ dns_port: '5300' }, (c) => c.port, '5300'],
  [{ rest_port: '9000' }, (c) => c.apiport, '9000'],
  [{ api_enabled: true }, (c) => c.api, true],
  [{ client_socket_path: '/tmp/s.sock' }, (c) => c.server_socket, '/tmp/s.sock'],
  [{ dnsserver_file: 'up.json' }, (c) => c.file_locations.dnsservers, '/srv/dns/up.json'],
  [{ cache_file: 'c.json' }, (c) => c.file_locations.cache, '/srv/dns/c.json'],
  [{ file_locations: { dnsserver_file: '/a/up.json' } }, (c) => c.file_locations.dnsservers, '/a/up.json'],
  [{ file_locations: { cache_file: '/a/c.json' } }, (c) => c.file_locations.cache, '/a/c.json'],
  [{ file_locations: { dnsrecords: 'legacy.json' } }, (c) => c.file_locations.records_source.location, '/srv/dns/legacy.json'],
  [{ file_locations: { dnsrecords_file: '/x/r.json' } }, (c) => c.file_locations.records_source.location, '/x/r.json'],
]
for (const [input, pick, want] of aliases) {
  t.test(`reads the original's old name ${JSON.stringify(input)}`, async (t) => {
    const res = validateConfig(input, ctx)
    t.same(res.errors, [])
    t.same(res.warnings, [])
    t.same(pick(res.config!), want)
  })
}

t.test('reads client_tcp_address as server_tcp (refused by design: a non-default value is an error)', async (t) => {
  const res = validateConfig({ client_tcp_address: '127.0.0.1:1' }, ctx)
  t.match(res.errors, [/^server_tcp: not implemented by design \(.+\); remove the key or set it to "0\.0\.0\.0:8053"$/])
  t.same(validateConfig({ client_tcp_address: '0.0.0.0:8053' }, ctx).errors, [], 'the default is accepted')
})

t.test('refused keys: full_stats, full_stats_dir and server_tcp stop start-up when set to a non-default value', async (t) => {
  t.same(validateConfig({ full_stats: false, full_stats_dir: 'fullstats', server_tcp: '0.0.0.0:8053' }, ctx).errors, [])
  const res = validateConfig({ full_stats: true, full_stats_dir: '/elsewhere', server_tcp: ':9' }, ctx)
  t.match(res.errors, [/^full_stats: not implemented by design/, /^full_stats_dir: not implemented by design/, /^server_tcp: not implemented by design/])
  t.notMatch(res.warnings.join('\n'), /full_stats|server_tcp/, 'an error, not a warning')
})

t.test('the canonical key wins over its old name, with a warning', async (t) => {
  const res = validateConfig({ port: '1', dns_port: '2' }, ctx)
  t.equal(res.config!.port, '1')
  t.same(res.warnings, ['port and its old name dns_port are both set; using port'])
})

t.test('unknown keys give one warning each, with the closest key of their level', async (t) => {
  const res = validateConfig({ foo: 1, log: { log_severty: 'info', colour: true }, cluster_enabeld: true }, ctx)
  t.same(res.errors, [])
  t.same(res.warnings, [
    'cluster_enabeld: unknown key ignored (did you mean "cluster_enabled"?)',
    'foo: unknown key ignored',
    'log.colour: unknown key ignored',
    'log.log_severty: unknown key ignored (did you mean "log_severity"?)',
  ])
})

t.test('strict_config or --strict makes unknown keys errors', async (t) => {
  const res = validateConfig({ strict_config: true, cluster_enabeld: true }, ctx)
  t.equal(res.config, undefined)
  t.same(res.errors, ['cluster_enabeld: unknown key (did you mean "cluster_enabled"?) (strict_config refuses unknown keys)'])
  const flag = validateConfig({ nope: 1 }, { ...ctx, strict: true })
  t.same(flag.errors, ['nope: unknown key (strict_config refuses unknown keys)'])
  t.equal(validateConfig({ strict_config: true, cluster_enabled: true }, ctx).errors.length, 0, 'no unknown key, no error')
})

t.test('unimplemented keys warn only when set to a non-default value', async (t) => {
  t.same(validateConfig({ full_stats: false, adblock_list_files: [] }, ctx).warnings, [])
  // The DNSSEC keys were the last the original had that we did not implement (issue #17).
  t.same(validateConfig({ dnssec_sign_enabled: true, dnssec_validate: true, log: { log_rotation: 'time' } }, ctx).warnings, [], 'log.log_rotation and the DNSSEC keys are implemented: no warning')
  t.match(validateConfig({ log: { log_rotation_time_days: 25 } }, ctx).errors, [/log\.log_rotation_time_days: must be an integer between 1 and 24, got 25/])
})

t.test('an unknown cluster_sync_policy is kept as given with a warning', async (t) => {
  const res = validateConfig({ cluster_sync_policy: 'Raft' }, ctx)
  t.equal(res.config!.cluster_sync_policy, 'Raft')
  t.match(res.warnings[0], /cluster_sync_policy: unknown policy "Raft" behaves as lww_per_node/)
  t.same(validateConfig({ cluster_sync_policy: ' Global_LWW ' }, ctx).warnings, [])
})

t.test('derived values: empty listen addr, empty paths, log dir under /etc', async (t) => {
  const c = validateConfig({ cluster_listen_addr: '', file_locations: { cache: '' }, server_socket: 'rel.sock' }, ctx).config!
  t.equal(c.cluster_listen_addr, ':7946')
  t.equal(c.file_locations.cache, '/srv/dns/dnscache.json')
  t.equal(c.server_socket, '/srv/dns/rel.sock')
  const etc = { configDir: '/etc', defaultServerSocket: '/tmp/dnsplane.socket' }
  t.equal(validateConfig({}, etc).config!.log.log_dir, '/var/log/dnsplane')
  t.equal(validateConfig({ log: { log_dir: 'logs' } }, etc).config!.log.log_dir, '/etc/logs')
})

t.test('validating a validated config gives the same config', async (t) => {
  const once = validateConfig({ cluster_peers: ['a:1'], dns_port: 1 }, ctx).config!
  const twice = validateConfig(once, ctx)
  t.same(twice.config, once)
  t.same(twice.warnings, [])
})

t.test("the original's generated default file loads without warnings", async (t) => {
  const original = {
    fallback_server_ip: '1.1.1.1', fallback_server_port: '53', timeout: 2,
    port: '53', apiport: '8080', api: false,
    cache_records: true, local_records_enabled: true,
    full_stats: false, full_stats_dir: '/srv/dns/fullstats',
    server_socket: '/run/user/1000/dnsplane.socket', server_tcp: '0.0.0.0:8053',
    file_locations: {
      dnsservers: '/srv/dns/dnsservers.json', cache: '/srv/dns/dnscache.json',
      records_source: { type: 'file', location: '/srv/dns/dnsrecords.json' },
    },
    DNSRecordSettings: { auto_build_ptr_from_a: true, forward_ptr_queries: false },
    log: { log_dir: '/srv/dns/log', log_severity: 'none', log_rotation: 'size', log_rotation_size_mb: 100, log_rotation_time_days: 7 },
    min_cache_ttl_seconds: 600, stale_while_revalidate: true,
    cache_warm_enabled: true, cache_warm_interval_seconds: 10,
    cache_compact_enabled: true, cache_compact_interval_seconds: 1800,
    stats_dashboard_enabled: true, dashboard_resolution_log_cap: 1000,
  }
  const res = validateConfig(original, ctx)
  t.same(res.errors, [])
  t.same(res.warnings, [])
  t.same(res.config, validateConfig({}, ctx).config)
})

t.test("a full original user's file (every key, old names, cluster) loads once the keys refused by design are removed", async (t) => {
  const raw = JSON.parse(readFileSync(join(fixtureDir, 'original-full.json'), 'utf8')) as Record<string, unknown>
  t.match(validateConfig(raw, ctx).errors, [/^full_stats_dir: not implemented by design/, /^server_tcp: not implemented by design/])
  // The keys refused by design must go when migrating; everything else loads.
  delete raw.full_stats_dir
  delete raw.client_tcp_address
  delete raw.server_tcp
  const res = validateConfig(raw, ctx)
  t.same(res.errors, [])
  t.same(res.warnings, [])
  const c = res.config!
  t.equal(c.port, '5353')
  t.equal(c.apiport, '8081')
  t.equal(c.api, true)
  t.equal(c.dns_bind, '127.0.0.1')
  t.equal(c.server_socket, '/run/dnsplane/dnsplane.socket')
  t.equal(c.file_locations.dnsservers, '/var/lib/dnsplane/dnsservers.json')
  t.equal(c.file_locations.cache, '/var/lib/dnsplane/dnscache.json')
  t.equal(c.dot_port, '853')
  t.same(c.axfr_allowed_networks, [])
  t.equal(c.log.log_severity, 'info')
  t.same(c.cluster_peers, ['10.0.0.2:7946', '10.0.0.3:7946'])
  t.equal(c.cluster_sync_policy, 'primary_writer')
  t.equal(c.cluster_discovery_interval_seconds, 120)
  t.equal(c.cluster_admin_token, 'admin-secret')
})

t.test('configDefaults gives unresolved defaults (relative paths, empty socket)', async (t) => {
  const d = configDefaults()
  t.equal(d.file_locations.dnsservers, 'dnsservers.json')
  t.equal(d.server_socket, '')
  t.equal(d.log.log_dir, 'log')
})

t.test('cluster_auth_token: one rule, applied at load; the loaded token is trimmed', async (t) => {
  for (const [value, message] of [
    ['   ', 'cluster_auth_token: must not be only whitespace (use "" for no token)'],
    ['short', 'cluster_auth_token: must be at least 8 characters'],
  ]) {
    const res = validateConfig({ cluster_auth_token: value }, ctx)
    t.equal(res.config, undefined, JSON.stringify(value))
    t.same(res.errors, [message])
  }
  t.equal(validateConfig({ cluster_auth_token: '' }, ctx).config?.cluster_auth_token, '', '"" = no token')
  t.equal(validateConfig({ cluster_auth_token: '  cluster-secret\n' }, ctx).config?.cluster_auth_token, 'cluster-secret')
})
