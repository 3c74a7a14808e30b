import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { isDnsplaneError } from '../../src/errors.js'
import {
  MAX_CONFIG_BYTES,
  createFileExclusive,
  jsonErrorOffset,
  loadConfig,
  parseConfigText,
  type LoadConfigOptions,
} from '../../src/config/load.js'
import { validateConfig } from '../../src/config/validate.js'

/** A sandbox: exe dir, home, xdg config, system file location and cwd, all under one testdir. */
function sandbox(t: Test, files: Record<string, string> = {}) {
  const root = t.testdir({ exe: {}, home: {}, xdg: {}, etc: {}, cwd: {} })
  for (const [rel, body] of Object.entries(files)) writeFileSync(join(root, rel), body)
  const opts: LoadConfigOptions = {
    cwd: join(root, 'cwd'),
    exeDir: join(root, 'exe'),
    env: { XDG_CONFIG_HOME: join(root, 'xdg'), XDG_RUNTIME_DIR: '/run/user/1000' },
    homeDir: join(root, 'home'),
    isRoot: false,
    systemConfigPath: join(root, 'etc', 'dnsplane.json'),
  }
  return { root, opts }
}

const search: [string, string[], string][] = [
  ['the executable dir first', ['exe/dnsplane.json', 'xdg/dnsplane/dnsplane.json', 'etc/dnsplane.json'], 'exe/dnsplane.json'],
  ['the user config dir second', ['xdg/dnsplane/dnsplane.json', 'etc/dnsplane.json'], 'xdg/dnsplane/dnsplane.json'],
  ['the system file third', ['etc/dnsplane.json'], 'etc/dnsplane.json'],
]
for (const [name, present, want] of search) {
  t.test(`search order: ${name}`, async (t) => {
    const { root, opts } = sandbox(t)
    for (const rel of present) {
      const full = join(root, rel)
      mkdirSync(join(full, '..'), { recursive: true })
      writeFileSync(full, JSON.stringify({ port: '1' + String(present.indexOf(rel)) }))
    }
    const res = await loadConfig(opts)
    t.equal(res.path, join(root, want))
    t.equal(res.created, false)
    t.equal(res.config.port, '1' + String(present.indexOf(want)))
  })
}


t.test('without XDG_CONFIG_HOME the user config dir is ~/.config', async (t) => {
  const { root, opts } = sandbox(t)
  mkdirSync(join(root, 'home', '.config', 'dnsplane'), { recursive: true })
  writeFileSync(join(root, 'home', '.config', 'dnsplane', 'dnsplane.json'), '{}')
  const res = await loadConfig({ ...opts, env: {} })
  t.equal(res.path, join(root, 'home', '.config', 'dnsplane', 'dnsplane.json'))
})

t.test('creates dnsplane.json in cwd with the defaults (mode 0600) when none exists', async (t) => {
  const { root, opts } = sandbox(t)
  const res = await loadConfig(opts)
  const path = join(root, 'cwd', 'dnsplane.json')
  t.equal(res.path, path)
  t.equal(res.created, true)
  t.same(res.warnings, [])
  t.equal(statSync(path).mode & 0o777, 0o600)
  const onDisk: unknown = JSON.parse(readFileSync(path, 'utf8'))
  t.same(onDisk, res.config)
  t.equal(res.config.file_locations.dnsservers, join(root, 'cwd', 'dnsservers.json'))
  t.equal(res.config.server_socket, '/run/user/1000/dnsplane.socket')
  t.equal(res.config.cluster_sync_policy, 'record_lww', 'new files are written with record_lww')
  const defaults = validateConfig({ cluster_sync_policy: 'record_lww' }, { configDir: join(root, 'cwd'), defaultServerSocket: '/run/user/1000/dnsplane.socket' })
  t.same(defaults.config, res.config, 'otherwise the schema defaults')
  t.same(readdirSync(join(root, 'cwd')), ['dnsplane.json'], 'no temp file left behind')
  const again = await loadConfig(opts)
  t.equal(again.created, false)
})

const configArgs: [string, string, string][] = [
  ['an existing file', 'given/my.json', 'given/my.json'],
  ['a missing file with a dot is created', 'new/dir/conf.json', 'new/dir/conf.json'],
  ['a trailing slash means a directory', 'slash.d/', 'slash.d/dnsplane.json'],
  ['a last element without a dot means a directory', 'nodot', 'nodot/dnsplane.json'],
  ['an existing directory', 'exists.d', 'exists.d/dnsplane.json'],
]
for (const [name, arg, want] of configArgs) {
  t.test(`--config: ${name}`, async (t) => {
    const { root, opts } = sandbox(t)
    mkdirSync(join(root, 'given'))
    writeFileSync(join(root, 'given', 'my.json'), '{"port":"99"}')
    mkdirSync(join(root, 'exists.d'))
    writeFileSync(join(root, 'exe', 'dnsplane.json'), '{}') // must not be picked
    const res = await loadConfig({ ...opts, configPath: join(root, arg) })
    t.equal(res.path, join(root, want))
    t.equal(res.created, arg !== 'given/my.json')
    t.equal(statSync(res.path).isFile(), true)
  })
}

t.test('--config relative to cwd', async (t) => {
  const { root, opts } = sandbox(t, { 'cwd/rel.json': '{"apiport":"81"}' })
  const res = await loadConfig({ ...opts, configPath: 'rel.json' })
  t.equal(res.path, join(root, 'cwd', 'rel.json'))
  t.equal(res.config.apiport, '81')
})

t.test('relative paths in the file resolve against the config file directory, not cwd', async (t) => {
  const { root, opts } = sandbox(t, { 'etc/dnsplane.json': '{"file_locations":{"cache":"data/c.json"}}' })
  const res = await loadConfig(opts)
  t.equal(res.config.file_locations.cache, join(root, 'etc', 'data', 'c.json'))
  t.equal(res.config.log.log_dir, join(root, 'etc', 'log'))
})

t.test('never overwrites an existing file, even an invalid one', async (t) => {
  const { root, opts } = sandbox(t, { 'cwd/dnsplane.json': '{"port": "not a port"}' })
  const path = join(root, 'cwd', 'dnsplane.json')
  await t.rejects(loadConfig(opts), { code: 'ERR_CONFIG_INVALID' })
  t.equal(readFileSync(path, 'utf8'), '{"port": "not a port"}')
  t.equal(await createFileExclusive(path, '{}'), false)
  t.equal(readFileSync(path, 'utf8'), '{"port": "not a port"}')
  t.same(readdirSync(join(root, 'cwd')), ['dnsplane.json'])
})

const fileErrors: [string, string, string, RegExp][] = [
  ['an empty file', '', 'ERR_CONFIG_PARSE', /dnsplane\.json: file is empty/],
  ['a whitespace-only file', ' \n\t', 'ERR_CONFIG_PARSE', /file is empty/],
  ['not JSON', '{\n  "port": "53",\n  "api": tru\n}', 'ERR_CONFIG_PARSE', /dnsplane\.json: not valid JSON at line 3 column 10/],
  ['a missing brace', '{"port": "53"', 'ERR_CONFIG_PARSE', /not valid JSON at line 1 column 14/],
  ['a trailing comma', '{"port": "53",}', 'ERR_CONFIG_PARSE', /not valid JSON at line 1 column 15/],
  ['a bad value', '{"cluster_sync_interval_seconds": -5}', 'ERR_CONFIG_INVALID', /dnsplane\.json: cluster_sync_interval_seconds: must be an integer between 0 and 2147483, got -5$/],
  ['a JSON array', '[]', 'ERR_CONFIG_INVALID', /dnsplane\.json: the top level must be a JSON object/],
]
for (const [name, body, code, message] of fileErrors) {
  t.test(`a config file with ${name} is ${code} naming the file`, async (t) => {
    const { root, opts } = sandbox(t, { 'cwd/dnsplane.json': body })
    const err = await loadConfig(opts).catch((e: unknown) => e)
    t.ok(isDnsplaneError(err, code as 'ERR_CONFIG_PARSE'), String(err))
    t.match((err as Error).message, message)
    t.match((err as Error).message, join(root, 'cwd', 'dnsplane.json'))
  })
}

t.test('a config file over MAX_CONFIG_BYTES is refused before parsing', async (t) => {
  const { opts } = sandbox(t, { 'cwd/dnsplane.json': '{"x":"' + 'a'.repeat(MAX_CONFIG_BYTES) + '"}' })
  await t.rejects(loadConfig(opts), { code: 'ERR_CONFIG_PARSE', message: /exceeds the 1048576-byte limit/ })
})

t.test('warnings name the file', async (t) => {
  const { root, opts } = sandbox(t, { 'cwd/dnsplane.json': '{"nope":1}' })
  const res = await loadConfig(opts)
  t.same(res.warnings, [`${join(root, 'cwd', 'dnsplane.json')}: nope: unknown key ignored`])
})

t.test('--strict refuses a file with an unknown key, naming the file and the closest key', async (t) => {
  const { opts } = sandbox(t, { 'cwd/dnsplane.json': '{"cluster_enabeld":true}' })
  await t.rejects(loadConfig({ ...opts, strict: true }), { code: 'ERR_CONFIG_INVALID', message: /dnsplane\.json: cluster_enabeld: unknown key \(did you mean "cluster_enabled"\?\)/ })
  t.equal((await loadConfig(opts)).warnings.length, 1, 'without --strict: a warning')
})

t.test('command-line overrides apply only when given; relative paths against cwd', async (t) => {
  const { root, opts } = sandbox(t, {
    'etc/dnsplane.json': JSON.stringify({ port: '5300', file_locations: { dnsservers: '/data/s.json', cache: '/data/c.json' } }),
  })
  const none = await loadConfig({ ...opts, overrides: {} })
  t.equal(none.config.file_locations.dnsservers, '/data/s.json', '--dnsservers omitted: file value kept')
  t.equal(none.config.file_locations.cache, '/data/c.json', '--cache omitted: file value kept')
  t.equal(none.config.port, '5300')
  const all = await loadConfig({
    ...opts,
    overrides: { port: '0', apiport: '0', api: true, dnsservers: 'up.json', cache: '/x/c.json', dnsrecords: 'r.json', server_socket: 's.sock' },
  })
  t.equal(all.config.port, '0')
  t.equal(all.config.api, true)
  t.equal(all.config.file_locations.dnsservers, join(root, 'cwd', 'up.json'))
  t.equal(all.config.file_locations.cache, '/x/c.json')
  t.equal(all.config.file_locations.records_source.location, join(root, 'cwd', 'r.json'))
  t.equal(all.config.server_socket, join(root, 'cwd', 's.sock'))
  t.ok(Object.isFrozen(all.config.file_locations))
  await t.rejects(loadConfig({ ...opts, overrides: { port: 'x' } }), { code: 'ERR_CONFIG_INVALID', message: /port: must be a port/ })
})

t.test('root uses <tmpdir>/dnsplane.socket as the default socket', async (t) => {
  const { opts } = sandbox(t)
  const res = await loadConfig({ ...opts, isRoot: true, env: { ...opts.env, TMPDIR: '/var/tmp' } })
  t.equal(res.config.server_socket, '/var/tmp/dnsplane.socket')
})

const offsets: [string, number][] = [
  ['{}', -1],
  ['{"a":[1,2.5e3,-0,true,false,null,"x\\u00e9\\n"]}', -1],
  ['{"a":}', 5],
  ['{"a":1', 6],
  ['{a:1}', 1],
  ['{"a":1} x', 8],
  ['[1,]', 3],
  ['"\\x"', 2],
  ['01', 1],
]
for (const [text, want] of offsets) {
  t.test(`jsonErrorOffset(${JSON.stringify(text)}) = ${want}`, async (t) => {
    t.equal(jsonErrorOffset(text), want)
  })
}

t.test('parseConfigText accepts a UTF-8 BOM', async (t) => {
  t.same(parseConfigText('\ufeff{"a":1}', 'f'), { a: 1 })
})
