import t from 'tap'
import { configSearchPaths, defaultServerSocket, looksLikeDirectory, userConfigDir } from '../../src/config/paths.js'

const sockets: [string, { isRoot: boolean; env: NodeJS.ProcessEnv }, string][] = [
  ['root uses /tmp', { isRoot: true, env: { XDG_RUNTIME_DIR: '/run/user/0' } }, '/tmp/dnsplane.socket'],
  ['root uses $TMPDIR', { isRoot: true, env: { TMPDIR: '/var/tmp' } }, '/var/tmp/dnsplane.socket'],
  ['a user uses $XDG_RUNTIME_DIR', { isRoot: false, env: { XDG_RUNTIME_DIR: '/run/user/1000' } }, '/run/user/1000/dnsplane.socket'],
  ['a user without runtime dir uses the config dir', { isRoot: false, env: {} }, '/home/u/.config/dnsplane/dnsplane.socket'],
  ['XDG_CONFIG_HOME is honoured', { isRoot: false, env: { XDG_CONFIG_HOME: '/cfg' } }, '/cfg/dnsplane/dnsplane.socket'],
  ['a relative XDG_CONFIG_HOME is ignored', { isRoot: false, env: { XDG_CONFIG_HOME: 'rel' } }, '/home/u/.config/dnsplane/dnsplane.socket'],
]
for (const [name, opts, want] of sockets) {
  t.test(`default server_socket: ${name}`, async (t) => {
    t.equal(defaultServerSocket({ ...opts, homeDir: '/home/u' }), want)
  })
}

t.test('search paths: exe dir, user config dir, /etc/dnsplane.json', async (t) => {
  t.same(configSearchPaths({ exeDir: '/opt/d', env: {}, homeDir: '/home/u' }), [
    '/opt/d/dnsplane.json',
    '/home/u/.config/dnsplane/dnsplane.json',
    '/etc/dnsplane.json',
  ])
  t.equal(userConfigDir({ XDG_CONFIG_HOME: '/x' }, '/h'), '/x')
})

const dirs: [string, boolean][] = [
  ['/etc/dnsplane/', true],
  ['/etc/dnsplane', true],
  ['conf', true],
  ['my.json', false],
  ['/a.b/c.json', false],
  ['/a.b/c', true],
]
for (const [arg, want] of dirs) {
  t.test(`--config ${arg} ${want ? 'is' : 'is not'} a directory by its spelling`, async (t) => {
    t.equal(looksLikeDirectory(arg), want)
  })
}
