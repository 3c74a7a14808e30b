import t from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { printDs, signingKeysFromConfig } from '../../../src/cli/commands/dnssec.js'
import { exportZone } from '../../../src/cli/commands/import-export.js'
import { createDaemonClient } from '../../../src/tui/daemon-client.js'
import { startTestNode } from '../../helpers/daemon.js'
import { bindKeygen, hasTool } from '../../helpers/dnssec-keys.js'
import { tempDir } from '../../helpers/fs.js'

function capture() {
  const out = { stdout: '', stderr: '' }
  return { out, io: { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) } } }
}

const envFor = (dir: string) => ({ cwd: dir, exeDir: dir, env: {}, homeDir: dir, isRoot: false, systemConfigPath: join(dir, 'none.json') })

t.test('dnssec ds prints what dnssec-dsfromkey prints for the KSK, and JSON', { skip: hasTool('dnssec-keygen') && hasTool('dnssec-dsfromkey') ? false : 'BIND tools not installed' }, async (t) => {
  const dir = await tempDir(t)
  const ksk = bindKeygen(dir, 13, 'example.test', true)
  const zsk = bindKeygen(dir, 13, 'example.test', false)
  const config = join(dir, 'dnsplane.json')
  writeFileSync(config, JSON.stringify({ dnssec_sign_enabled: true, dnssec_sign_zone: 'example.test', dnssec_sign_key_file: `${ksk}.key,${zsk}.key` }))
  const c = capture()
  t.equal(await printDs('Example.Test.', { config }, c.io, envFor(dir)), 0)
  const theirs = ['SHA-256', 'SHA-384'].map((a) => execFileSync('dnssec-dsfromkey', ['-a', a, ksk + '.key'], { encoding: 'utf8' })).join('')
  t.equal(c.out.stdout, theirs)
  const j = capture()
  t.equal(await printDs(undefined, { config, json: true }, j.io, envFor(dir)), 0)
  const parsed = JSON.parse(j.out.stdout) as { key_tag: number; digest_type: number }[]
  t.same(parsed.map((r) => r.digest_type), [2, 4])
  // without a KSK every key is listed
  writeFileSync(config, JSON.stringify({ dnssec_sign_zone: 'example.test', dnssec_sign_key_file: `${zsk}.key` }))
  const z = capture()
  t.equal(await printDs(undefined, { config }, z.io, envFor(dir)), 0)
  t.match(z.out.stdout, new RegExp(`DS ${Number(/\+(\d+)$/.exec(zsk)![1])} 13 2 `))
})

t.test('dnssec ds errors: no config, another zone, bad key file', async (t) => {
  const dir = await tempDir(t)
  const a = capture()
  t.equal(await printDs(undefined, { config: join(dir, 'missing.json') }, a.io, envFor(dir)), 1)
  t.match(a.out.stderr, /no config file at/)
  const config = join(dir, 'dnsplane.json')
  writeFileSync(config, JSON.stringify({ dnssec_sign_zone: 'example.test', dnssec_sign_key_file: join(dir, 'K.key') }))
  const b = capture()
  t.equal(await printDs('other.test', { config }, b.io, envFor(dir)), 1)
  t.match(b.out.stderr, /other\.test is not the signed zone/)
  const c = capture()
  t.equal(await printDs(undefined, { config }, c.io, envFor(dir)), 1)
  t.match(c.out.stderr, /ERR_CONFIG_INVALID: DNSSEC key file .*K\.key: cannot read it/)
})

t.test('zone export --signed: a full NSEC chain and RRSIGs that kzonecheck and dnssec-verify accept', { skip: hasTool('dnssec-keygen') ? false : 'BIND tools not installed' }, async (t) => {
  const at = new Date().toISOString()
  const rec = (name: string, type: string, value: string) => ({ name, type, value, ttl: 300, added_on: at, updated_on: at, last_query: at })
  const node = await startTestNode({}, {
    records: { records: [
      rec('example.test', 'SOA', 'ns1.example.test. hostmaster.example.test. 1 3600 900 604800 300'),
      rec('example.test', 'NS', 'ns1.example.test.'),
      rec('ns1.example.test', 'A', '192.0.2.53'),
      rec('*.w.example.test', 'TXT', '"wild"'),
      rec('www.example.test', 'A', '192.0.2.1'),
      rec('www.example.test', 'A', '192.0.2.2'),
      rec('other.test', 'A', '192.0.2.9'),
    ] },
  })
  t.teardown(() => node.daemon.stop())
  const client = createDaemonClient({ target: { kind: 'unix', path: join(node.dir, 'ctl.sock'), display: 'ctl.sock' } })
  const ksk = bindKeygen(node.dir, 13, 'example.test', true)
  const zsk = bindKeygen(node.dir, 13, 'example.test', false)
  const config = join(node.dir, 'sign.json')
  writeFileSync(config, JSON.stringify({ dnssec_sign_zone: 'example.test', dnssec_sign_key_file: `${ksk}.key,${zsk}.key` }))
  const out = join(node.dir, 'signed.zone')
  const c = capture()
  const sign = () => signingKeysFromConfig(config, envFor(node.dir))
  t.equal(await exportZone(client, 'example.test', { stdout: c.io.stdout, stderr: c.io.stderr }, { output: out, sign }), 0, c.out.stderr)
  const text = readFileSync(out, 'utf8')
  t.match(text, / IN NSEC /)
  t.notMatch(text, /other\.test/, 'only the zone')
  if (hasTool('kzonecheck')) {
    const r = spawnSync('kzonecheck', ['-o', 'example.test', '--dnssec', 'on', out], { encoding: 'utf8' })
    t.equal(r.status, 0, `kzonecheck: ${r.stdout}${r.stderr}`)
  } else t.comment('kzonecheck not installed: skipped')
  if (hasTool('dnssec-verify')) {
    const r = spawnSync('dnssec-verify', ['-o', 'example.test', out], { encoding: 'utf8' })
    t.equal(r.status, 0, `dnssec-verify: ${r.stdout}${r.stderr}`)
  }
  const bad = capture()
  t.equal(await exportZone(client, 'nowhere.test', { stdout: bad.io.stdout, stderr: bad.io.stderr }, { sign }), 1)
  const noSoa = capture()
  t.equal(await exportZone(client, 'other.test', { stdout: noSoa.io.stdout, stderr: noSoa.io.stderr }, { sign: async () => [] }), 1)
})
