import t from 'tap'
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { printDs } from '../../../src/cli/commands/dnssec.js'
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
