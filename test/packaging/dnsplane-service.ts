/**
 * The shipped systemd unit: the settings docs/install.md promises are there, and
 * `systemd-analyze verify` accepts it where systemd is installed (skipped with a note elsewhere).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

const ROOT = join(import.meta.dirname, '..', '..')
const UNIT = readFileSync(join(ROOT, 'packaging', 'dnsplane.service'), 'utf8')

/** `Key=value` settings of a unit file (comments and sections left out; repeated keys keep the last). */
export function unitSettings(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim())
    if (m) out.set(m[1], m[2])
  }
  return out
}

t.test('the unit runs as a dedicated user with only CAP_NET_BIND_SERVICE, restarts on failure and reloads on SIGHUP', async (t) => {
  const s = unitSettings(UNIT)
  t.equal(s.get('User'), 'dnsplane')
  t.equal(s.get('AmbientCapabilities'), 'CAP_NET_BIND_SERVICE')
  t.equal(s.get('CapabilityBoundingSet'), 'CAP_NET_BIND_SERVICE')
  t.equal(s.get('Restart'), 'on-failure')
  t.equal(s.get('ExecReload'), '/bin/kill -HUP $MAINPID')
  t.match(s.get('ExecStart'), / server --config \/etc\/dnsplane\/dnsplane\.json$/)
  for (const k of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'ProtectKernelTunables', 'RestrictSUIDSGID']) t.equal(s.get(k), 'true', k)
  t.equal(s.get('ProtectSystem'), 'strict')
  t.equal(s.get('StateDirectory'), 'dnsplane')
})

t.test('systemd-analyze verify accepts the unit', async (t) => {
  const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) {
    t.skip('systemd-analyze is not installed here: the unit is not verified', () => {})
    return
  }
  // verify checks that ExecStart exists: point it at this checkout's bin/dnsplane.js.
  const dir = mkdtempSync(join(tmpdir(), 'dnsplane-unit-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'dnsplane.service')
  writeFileSync(file, UNIT.replace(/^ExecStart=\S+/m, `ExecStart=${join(ROOT, 'bin', 'dnsplane.js')}`))
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8', timeout: 60_000 })
  // Other units on this machine may have warnings of their own: only lines about ours count.
  const ours = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes('dnsplane.service'))
  t.same(ours, [], 'no complaint about dnsplane.service')
  t.equal(r.status, 0, `${r.stdout}${r.stderr}`)
})
