import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { ConfigManager, parseGoBool, parseStringList, resolveSettingName } from '../../src/config/manager.js'
import { validateContextFor } from '../../src/config/load.js'
import type { Config } from '../../src/config/schema.js'

async function manager(t: Test, body = '{}') {
  const dir = t.testdir({ 'dnsplane.json': body })
  const env = { isRoot: false, env: { XDG_RUNTIME_DIR: '/run/user/7' }, homeDir: dir }
  const loaded = await loadConfig({ cwd: dir, exeDir: dir, configPath: join(dir, 'dnsplane.json'), ...env })
  const m = new ConfigManager({ path: loaded.path, config: loaded.config, context: validateContextFor(loaded.path, env) })
  return { dir, m, path: loaded.path }
}

const sets: [string, string, string, unknown, boolean][] = [
  // setting, value, canonical key, value in memory, restart_required
  ['port', '5353', 'port', '5353', true],
  ['dns_port', '5300', 'port', '5300', true],
  ['apiport', '9090', 'apiport', '9090', true],
  ['api_port', '9091', 'apiport', '9091', true],
  ['fallback_ip', '9.9.9.9', 'fallback_server_ip', '9.9.9.9', false],
  ['fallback_port', '5353', 'fallback_server_port', '5353', false],
  ['fallback_server_transport', 'tcp', 'fallback_server_transport', 'tcp', false],
  ['timeout', '5', 'timeout', 5, false],
  ['api', 'true', 'api', true, true],
  ['api_enabled', 't', 'api', true, true],
  ['api_auth_token', 'sekrit', 'api_auth_token', '(set)', false],
  ['api_auth_token', '""', 'api_auth_token', '', false],
  ['cache_records', '0', 'cache_records', false, false],
  ['local_records_enabled', 'FALSE', 'local_records_enabled', false, false],
  ['cache_compact_interval_seconds', '60', 'cache_compact_interval_seconds', 60, true],
  ['dns_rrl_slip', '0.5', 'dns_rrl_slip', 0.5, true],
  ['auto_build_ptr_from_a', 'f', 'DNSRecordSettings.auto_build_ptr_from_a', false, false],
  ['log_severity', 'debug', 'log.log_severity', 'debug', true],
  ['log.log_severity', 'warn', 'log.log_severity', 'warn', true],
  ['dnsservers', 'up.json', 'file_locations.dnsservers', 'DIR/up.json', true],
  ['cache_file', '/abs/c.json', 'file_locations.cache', '/abs/c.json', true],
  ['dnsrecords', 'r.json', 'file_locations.records_source.location', 'DIR/r.json', true],
  ['records_source_location', '/r2.json', 'file_locations.records_source.location', '/r2.json', true],
  ['records_source_type', 'file', 'file_locations.records_source.type', 'file', true],
  ['cluster_enabled', '1', 'cluster_enabled', true, true],
  ['cluster_peers', '["a:7946","b:7946"]', 'cluster_peers', ['a:7946', 'b:7946'], false],
  ['cluster_peers', 'a:7946,,b:7946', 'cluster_peers', ['a:7946', 'b:7946'], false],
  ['cluster_peers', '""', 'cluster_peers', [], false],
  ['cluster_allowed_writer_node_ids', 'node-a', 'cluster_allowed_writer_node_ids', ['node-a'], false],
  ['cluster_sync_interval_seconds', '0', 'cluster_sync_interval_seconds', 0, true],
  ['cluster_discovery_interval_seconds', '30', 'cluster_discovery_interval_seconds', 30, true],
  ['cluster_sync_policy', 'Global_LWW', 'cluster_sync_policy', 'Global_LWW', false],
  ['cluster_admin_token', 'adm', 'cluster_admin_token', '(set)', false],
  ['cluster_replica_only', 'True', 'cluster_replica_only', true, false],
  ['cluster_listen_addr', '127.0.0.1:0', 'cluster_listen_addr', '127.0.0.1:0', true],
  ['cluster_ready_requires_sync', 'true', 'cluster_ready_requires_sync', true, true],
]
for (const [setting, value, key, want, restart] of sets) {
  t.test(`server set ${setting} ${value} sets ${key}`, async (t) => {
    const { m, dir } = await manager(t)
    const res = m.set(setting, value)
    const shown = typeof want === 'string' ? want.replace('DIR', dir) : want
    t.same(res, { key, value: shown, restart_required: restart })
    if (res.value !== '(set)') {
      const inMemory = key.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], m.config)
      t.same(inMemory, shown)
    }
    t.ok(Object.isFrozen(m.config))
  })
}

const refused: [string, string, RegExp][] = [
  ['nope', '1', /^unknown setting: nope$/],
  ['cluster_sync_interval_seconds', '-5', /^cluster_sync_interval_seconds: must be an integer between 0 and 2147483, got -5$/],
  ['cache_compact_interval_seconds', '59', /must be an integer between 60 and 2147483, got 59/],
  ['dns_sliding_window_seconds', '0', /dns_sliding_window_seconds: must be an integer between 1 and 2147483/],
  ['dns_rrl_slip', '2', /must be a number between 0 and 1, got 2/],
  ['api', 'yes', /^api: must be a boolean \(true or false\), got "yes"$/],
  ['dns_port', 'x', /^dns_port \(port\): must be a port number/],
  ['timeout', '1.5', /timeout: must be an integer between 1 and 60, got "1.5"/],
  ['records_source_type', 'git', /records_source_type \(file_locations.records_source.type\): "git" is refused by design, not planned \(the reason: docs\/configuration.md\); must be one of file\|url\|bind_dir$/],
  ['fallback_server_transport', 'quic', /fallback_server_transport: must be one of udp\|tcp\|dot\|doh/],
  ['log_severity', 'loud', /log_severity \(log.log_severity\): must be one of debug\|info\|warn\|error\|none/],
  ['cluster_peers', '[1,2]', /cluster_peers: must be an array of strings/],
]
for (const [setting, value, message] of refused) {
  t.test(`server set ${setting} ${value} is refused naming the setting and keeps the config`, async (t) => {
    const { m } = await manager(t)
    const before = m.config
    t.throws(() => m.set(setting, value), { code: 'ERR_CONFIG_INVALID', message })
    t.equal(m.config, before)
  })
}

t.test('set notifies listeners with the changed keys; no-op sets do not', async (t) => {
  const { m } = await manager(t)
  const seen: [Config, readonly string[]][] = []
  const off = m.onChange((c, keys) => seen.push([c, keys]))
  m.set('dnsrecords', '/r.json')
  m.set('timeout', '2')
  t.equal(seen.length, 1)
  t.same(seen[0]![1], ['file_locations.records_source.location'])
  t.equal(seen[0]![0], m.config)
  off()
  m.set('timeout', '3')
  t.equal(seen.length, 1)
})

t.test('a throwing listener does not break set', async (t) => {
  const { m } = await manager(t)
  m.onChange(() => {
    throw new Error('boom')
  })
  t.doesNotThrow(() => m.set('timeout', '4'))
  t.equal(m.config.timeout, 4)
})

t.test('set changes memory only; save writes the whole file (2-space, 0600); load reads it back', async (t) => {
  const { m, path } = await manager(t, '{"port":"53"}')
  chmodSync(path, 0o644)
  m.set('port', '5454')
  m.set('cluster_peers', 'a:1,b:2')
  t.same(JSON.parse(readFileSync(path, 'utf8')), { port: '53' }, 'nothing written before save')
  await m.save()
  const text = readFileSync(path, 'utf8')
  t.equal(statSync(path).mode & 0o777, 0o600)
  t.ok(text.startsWith('{\n  "port": "5454",\n'))
  t.ok(text.endsWith('}\n'))
  t.same(JSON.parse(text), m.config)

  const other = await manager(t, '{}')
  writeFileSync(other.path, text)
  const seen: string[][] = []
  other.m.onChange((_c, keys) => seen.push([...keys]))
  await other.m.load()
  t.same(other.m.config, m.config)
  t.same(seen, [['port', 'cluster_peers']])
})

t.test('load keeps the current config when the file became invalid', async (t) => {
  const { m, path } = await manager(t, '{"port":"99"}')
  writeFileSync(path, '{"port": -1}')
  await t.rejects(m.load(), { code: 'ERR_CONFIG_INVALID', message: /port: must be a port number/ })
  t.equal(m.config.port, '99')
  writeFileSync(path, '')
  await t.rejects(m.load(), { code: 'ERR_CONFIG_PARSE' })
})

t.test('update merges, validates, persists and notifies', async (t) => {
  const { m, path } = await manager(t, '{"cluster_peers":["a:1"],"unknown_key":1}')
  const seen: string[][] = []
  m.onChange((_c, keys) => seen.push([...keys]))
  const changed = await m.update({ cluster_peers: ['a:1', 'b:2'], cluster_replica_only: true, log: { log_severity: 'info' } })
  t.same(changed, ['log.log_severity', 'cluster_peers', 'cluster_replica_only'])
  t.same(seen, [changed])
  const disk = JSON.parse(readFileSync(path, 'utf8')) as Config
  t.same(disk.cluster_peers, ['a:1', 'b:2'])
  t.equal(disk.cluster_replica_only, true)
  t.equal(disk.log.log_dir, m.config.log.log_dir, 'untouched nested keys kept')
  t.same(await m.update({ cluster_replica_only: true }), [], 'no change, no write')
})

t.test('update refuses an invalid patch and changes nothing', async (t) => {
  const { m, path } = await manager(t, '{}')
  const before = readFileSync(path, 'utf8')
  await t.rejects(m.update({ cluster_sync_interval_seconds: -1 }), {
    code: 'ERR_CONFIG_INVALID',
    message: /cluster_sync_interval_seconds: must be an integer between 0 and 2147483, got -1/,
  })
  t.equal(readFileSync(path, 'utf8'), before)
  t.equal(m.config.cluster_sync_interval_seconds, 0)
})

t.test('update (the path of admin_config_apply and the config API) refuses an interval past the 32-bit timer range', async (t) => {
  const { m } = await manager(t, '{}')
  await t.rejects(m.update({ cluster_sync_interval_seconds: 2_147_484 }), {
    code: 'ERR_CONFIG_INVALID',
    message: /cluster_sync_interval_seconds: must be an integer between 0 and 2147483, got 2147484/,
  })
  t.equal(m.config.cluster_sync_interval_seconds, 0)
  t.same(await m.update({ cluster_sync_interval_seconds: 2_147_483 }), ['cluster_sync_interval_seconds'], 'the bound itself is accepted')
})

t.test('update keeps the in-memory config when the write fails', async (t) => {
  const { m, dir } = await manager(t, '{}')
  const broken = new ConfigManager({
    path: join(dir, 'missing-dir', 'dnsplane.json'),
    config: m.config,
    context: { configDir: dir, defaultServerSocket: '/s' },
  })
  await t.rejects(broken.update({ cluster_admin: true }), { code: 'ERR_CONFIG_WRITE' })
  t.equal(broken.config.cluster_admin, false)
})

t.test('concurrent updates are applied in order without losing one', async (t) => {
  const { m, path } = await manager(t, '{}')
  await Promise.all([m.update({ cluster_peers: ['a:1'] }), m.update({ cluster_admin: true }), m.update({ timeout: 9 })])
  const disk = JSON.parse(readFileSync(path, 'utf8')) as Config
  t.same([disk.cluster_peers, disk.cluster_admin, disk.timeout], [['a:1'], true, 9])
})

t.test('redacted() hides every secret and nothing else', async (t) => {
  const { m } = await manager(t, '{"api_auth_token":"x","cluster_auth_token":"y-cluster-secret","port":"1"}')
  const r = m.redacted() as Record<string, unknown>
  t.equal(r.api_auth_token, '(set)')
  t.equal(r.cluster_auth_token, '(set)')
  t.equal(r.cluster_admin_token, '')
  t.equal(r.port, '1')
  t.notMatch(JSON.stringify(r), /"x"|"y-cluster-secret"/)
  t.equal(m.config.api_auth_token, 'x', 'the real config is untouched')
})

t.test('Go ParseBool forms', async (t) => {
  for (const s of ['1', 't', 'T', 'TRUE', 'true', 'True']) t.equal(parseGoBool(s), true, s)
  for (const s of ['0', 'f', 'F', 'FALSE', 'false', 'False']) t.equal(parseGoBool(s), false, s)
  for (const s of ['yes', 'tRUE', '', 'on']) t.equal(parseGoBool(s), undefined, s)
})

t.test('list syntax: JSON array or comma list', async (t) => {
  t.same(parseStringList('["a","b"]'), ['a', 'b'])
  t.same(parseStringList('a, b ,'), ['a', 'b'])
  t.same(parseStringList('[1]'), undefined)
  t.same(parseStringList('[oops'), undefined)
})

t.test('setting names resolve to schema paths', async (t) => {
  t.equal(resolveSettingName('dns_port'), 'port')
  t.equal(resolveSettingName('rest_port'), 'apiport')
  t.equal(resolveSettingName('cache'), 'file_locations.cache')
  t.equal(resolveSettingName('cache_records'), 'cache_records')
  t.equal(resolveSettingName('file_locations.records_source.type'), 'file_locations.records_source.type')
  t.equal(resolveSettingName('file_locations'), undefined)
  t.equal(resolveSettingName('toString'), undefined)
})
