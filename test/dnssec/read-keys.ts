import t from 'tap'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readPublicKeys, readSigningKeys } from '../../src/dnssec/read-keys.js'
import { generatedKey } from '../helpers/dnssec-keys.js'
import { tempDir } from '../helpers/fs.js'

/** Writes K<zone>.key / .private for a fresh key as dnssec-keygen would; returns the .key path. */
function writeKey(dir: string, zone: string, name: string, ksk = false, mode = 0o600): string {
  const k = generatedKey(13, zone, ksk)
  const base = join(dir, name)
  writeFileSync(base + '.key', `; key\n${zone}. IN DNSKEY ${k.flags} 3 13 ${k.publicKey.toString('base64')}\n`)
  const d = Buffer.from(k.privateKey.export({ format: 'jwk' }).d as string, 'base64url').toString('base64')
  writeFileSync(base + '.private', `Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: ${d}\n`)
  chmodSync(base + '.private', mode)
  return base + '.key'
}

const settings = (key: string, priv = '', zone = 'example.test') => ({ dnssec_sign_zone: zone, dnssec_sign_key_file: key, dnssec_sign_private_key_file: priv })

t.test('reads key pairs: the .private twin by default, or the files given in order', async (t) => {
  const dir = await tempDir(t)
  const a = writeKey(dir, 'example.test', 'Ka', true)
  const b = writeKey(dir, 'example.test', 'Kb')
  const keys = readSigningKeys(settings(`${a}, ${b}`))
  t.same(keys.map((k) => k.ksk), [true, false])
  t.equal(readSigningKeys(settings(a, join(dir, 'Ka.private'), 'Example.Test.')).length, 1)
  t.equal(readPublicKeys(settings(a))[0].path, a)
})

t.test('refuses what is missing, of another zone or readable by others, naming the file', async (t) => {
  const dir = await tempDir(t)
  const a = writeKey(dir, 'example.test', 'Ka')
  const open = writeKey(dir, 'example.test', 'Kopen', false, 0o644)
  const other = writeKey(dir, 'other.test', 'Kother')
  t.throws(() => readSigningKeys(settings(a, '', ' ')), /dnssec_sign_zone: must name/)
  t.throws(() => readSigningKeys(settings(' , ')), /dnssec_sign_key_file: must name/)
  t.throws(() => readSigningKeys(settings(a, 'x,y')), /names 2 files for 1 key files/)
  t.throws(() => readSigningKeys(settings(join(dir, 'none.key'))), /none\.key: cannot read it \(ENOENT\)/)
  t.throws(() => readSigningKeys(settings(dir)), /not a regular file/)
  t.throws(() => readSigningKeys(settings(open)), /Kopen\.private: mode 0644; a private key must be readable by its owner only/)
  t.throws(() => readSigningKeys(settings(other)), /is a key of other\.test, not of dnssec_sign_zone example\.test/)
  const big = join(dir, 'big.key')
  writeFileSync(big, 'x'.repeat(20_000))
  t.throws(() => readSigningKeys(settings(big)), /larger than/)
})
