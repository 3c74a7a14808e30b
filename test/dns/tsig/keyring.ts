import t, { type Test } from 'tap'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildKeyring } from '../../../src/dns/tsig/keyring.js'
import { readSecretFile } from '../../../src/dns/tsig/key-files.js'
import { isDnsplaneError } from '../../../src/errors.js'

const SECRET = 'c2l4dGVlbiBieXRlcyBsb25nIHNlY3JldA=='
const noFile = (): string => {
  throw new Error('no file expected')
}
/** Asserts `fn` throws ERR_CONFIG_INVALID whose message passes `check`. */
function throwsConfig(t: Test, fn: () => unknown, check: (message: string) => boolean, name: string): void {
  try {
    fn()
    t.fail(`${name}: did not throw`)
  } catch (err) {
    t.ok(isDnsplaneError(err, 'ERR_CONFIG_INVALID') && check((err as Error).message), `${name}: ${(err as Error).message}`)
  }
}
const fails = (t: Test, entries: Parameters<typeof buildKeyring>[0], field: string, read = noFile) =>
  throwsConfig(t, () => buildKeyring(entries, read), (m) => m.startsWith(field + ':') && !m.includes(SECRET), field)

t.test('keys by name (any spelling), grants by zone and operation', async (t) => {
  const ring = buildKeyring([
    { name: 'DDNS.Key.', algorithm: 'HMAC-SHA512', secret: SECRET, zones: ['example.test'], operations: ['update'] },
    { name: 'all', algorithm: 'hmac-sha256', secret: SECRET },
  ], noFile)
  t.equal(ring.size, 2)
  const k = ring.lookup('ddns.key')
  if (!k) throw new Error('missing')
  t.equal(k.algorithm, 'hmac-sha512')
  t.equal(ring.mayUse(k, 'example.test', 'update'), true)
  t.equal(ring.mayUse(k, 'sub.example.test', 'update'), true)
  t.equal(ring.mayUse(k, 'other.test', 'update'), false)
  t.equal(ring.mayUse(k, 'example.test', 'transfer'), false)
  const all = ring.lookup('all')
  if (!all) throw new Error('missing')
  t.equal(ring.mayUse(all, 'anything.test', 'notify'), true)
  t.equal(ring.mayUse({ ...all }, 'anything.test', 'notify'), false, 'only the keyring\'s own key object')
})

t.test('config errors name the field and never the secret', async (t) => {
  fails(t, [{ name: '', algorithm: 'hmac-sha256', secret: SECRET }], 'tsig_keys[0].name')
  fails(t, [{ name: 'a', algorithm: 'hmac-sha256', secret: SECRET }, { name: 'A.', algorithm: 'hmac-sha256', secret: SECRET }], 'tsig_keys[1].name')
  fails(t, [{ name: 'a', algorithm: 'hmac-md5', secret: SECRET }], 'tsig_keys[0].algorithm')
  fails(t, [{ name: 'a', algorithm: 'hmac-sha256' }], 'tsig_keys[0]')
  fails(t, [{ name: 'a', algorithm: 'hmac-sha256', secret: SECRET, secret_file: '/x' }], 'tsig_keys[0]')
  fails(t, [{ name: 'a', algorithm: 'hmac-sha256', secret: 'not base64!' }], 'tsig_keys[0].secret')
  fails(t, [{ name: 'a', algorithm: 'hmac-sha256', secret: 'c2hvcnQ=' }], 'tsig_keys[0].secret')
  fails(t, [{ name: 'a', algorithm: 'hmac-sha256', secret: SECRET, zones: ['bad..zone'] }], 'tsig_keys[0].zones[0]')
  fails(t, [{ name: 'a', algorithm: 'hmac-sha256', secret: SECRET, operations: ['query'] }], 'tsig_keys[0].operations[0]')
  fails(t, [{ name: 'a', algorithm: 'hmac-sha256', secret_file: '/k' }], 'tsig_keys[0].secret_file', () => 'xx!')
})

t.test('secret_file: absolute, a regular file, mode 0600, small', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dnsplane-tsig-'))
  const file = join(dir, 'key')
  writeFileSync(file, SECRET + '\n')
  chmodSync(file, 0o644)
  const err = (fn: () => unknown, part: string) => throwsConfig(t, fn, (m) => m.includes(part), part)
  err(() => readSecretFile(file, 'tsig_keys[0].secret_file'), 'mode 0644')
  chmodSync(file, 0o600)
  t.equal(readSecretFile(file, 'f'), SECRET)
  const ring = buildKeyring([{ name: 'f', algorithm: 'hmac-sha256', secret_file: file }], readSecretFile)
  t.equal(ring.size, 1)
  err(() => readSecretFile('relative/key', 'f'), 'absolute path')
  err(() => readSecretFile(join(dir, 'missing'), 'f'), 'ENOENT')
  err(() => readSecretFile(dir, 'f'), 'not a regular file')
  const big = join(dir, 'big')
  writeFileSync(big, 'A'.repeat(5000))
  chmodSync(big, 0o600)
  err(() => readSecretFile(big, 'f'), 'larger than')
})
