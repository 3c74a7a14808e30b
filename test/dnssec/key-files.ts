import t, { type Test } from 'tap'
import { parseKeyTime, parsePrivateKeyFile, parsePublicKeyFile } from '../../src/dnssec/key-files.js'
import { isDnsplaneError } from '../../src/errors.js'
import { generatedKey } from '../helpers/dnssec-keys.js'

const key = generatedKey(13, 'example.test')
const D = key.privateKey.export({ format: 'jwk' }).d as string
const PRIV = Buffer.from(D, 'base64url').toString('base64')
const PUB_TEXT = `; This is a zone-signing key, keyid ${key.keyTag}, for Example.Test.
; Created: 20261129044715 (Sun Nov 29 04:47:15 2026)
; Activate: 20261129044715 (Sun Nov 29 04:47:15 2026)
; Inactive: 20270101000000 (Fri Jan  1 00:00:00 2027)
Example.Test. 3600 IN DNSKEY 256 3 13 ${key.publicKey.toString('base64').slice(0, 40)} ${key.publicKey.toString('base64').slice(40)}
`
const PRIV_TEXT = `Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: ${PRIV}\nCreated: 20261129044715\nPublish: 20261129050000\n`

function fails(t: Test, fn: () => unknown, re: RegExp): void {
  try {
    fn()
    t.fail('did not throw')
  } catch (err) {
    const m = (err as Error).message
    t.ok(isDnsplaneError(err, 'ERR_CONFIG_INVALID'), 'ERR_CONFIG_INVALID')
    t.match(m, re)
    t.match(m, /^DNSSEC key file K\.(key|private): /, 'names the file')
    t.notOk(m.includes(PRIV) || m.includes(D), 'never echoes the private key')
  }
}

t.test('a .key and .private pair as dnssec-keygen writes them', async (t) => {
  const pub = parsePublicKeyFile(PUB_TEXT, 'K.key')
  t.equal(pub.zone, 'example.test')
  t.equal(pub.keyTag, key.keyTag)
  t.equal(pub.flags, 256)
  t.equal(pub.timing.Inactive, Date.UTC(2027, 0, 1) / 1000)
  const k = parsePrivateKeyFile(PRIV_TEXT, 'K.private', pub)
  t.equal(k.ksk, false)
  t.equal(k.timing.Publish, Date.UTC(2026, 10, 29, 5, 0, 0) / 1000)
  t.equal(k.timing.Activate, Date.UTC(2026, 10, 29, 4, 47, 15) / 1000, 'public timing kept')
})

t.test('bad public key files', async (t) => {
  const line = (rest: string) => `example.test. IN DNSKEY ${rest}\n`
  const b64 = key.publicKey.toString('base64')
  fails(t, () => parsePublicKeyFile('; only a comment\n', 'K.key'), /no DNSKEY record/)
  fails(t, () => parsePublicKeyFile(line(`256 3 13 ${b64}`) + line(`256 3 13 ${b64}`), 'K.key'), /more than one record/)
  fails(t, () => parsePublicKeyFile(`example.test. IN DS 1 2 3 AA\n`, 'K.key'), /not a DNSKEY record/)
  fails(t, () => parsePublicKeyFile(`a..b IN DNSKEY 256 3 13 ${b64}\n`, 'K.key'), /owner name/)
  fails(t, () => parsePublicKeyFile(line(`1 3 13 ${b64}`), 'K.key'), /flags/)
  fails(t, () => parsePublicKeyFile(line(`256 2 13 ${b64}`), 'K.key'), /protocol/)
  fails(t, () => parsePublicKeyFile(line(`256 3 5 ${b64}`), 'K.key'), /algorithm 5 is not supported/)
  fails(t, () => parsePublicKeyFile(line(`256 3`), 'K.key'), /algorithm \(none\) is not supported/)
  fails(t, () => parsePublicKeyFile(line(`256 3 13 !!!`), 'K.key'), /not base64/)
  fails(t, () => parsePublicKeyFile(`; Created: 2026\n` + line(`256 3 13 ${b64}`), 'K.key'), /Created is not a YYYYMMDDHHMMSS time/)
  t.equal(parsePublicKeyFile(`; Comment: whatever\n` + line(`257 3 13 ${b64}`), 'K.key').flags, 257, 'unknown comment fields are ignored')
})

t.test('bad private key files never echo the key', async (t) => {
  const pub = parsePublicKeyFile(PUB_TEXT, 'K.key')
  fails(t, () => parsePrivateKeyFile(PRIV_TEXT.replace('Private-key-format: v1.3\n', ''), 'K.private', pub), /Private-key-format/)
  fails(t, () => parsePrivateKeyFile(PRIV_TEXT.replace('Algorithm: 13', 'Algorithm: 8'), 'K.private', pub), /RSASHA256\) is not the public key's \(ECDSAP256SHA256/)
  fails(t, () => parsePrivateKeyFile(PRIV_TEXT.replace('Algorithm: 13 (ECDSAP256SHA256)\n', ''), 'K.private', pub), /\(none\)/)
  fails(t, () => parsePrivateKeyFile(PRIV_TEXT.replace('Algorithm: 13', 'Algorithm: x'), 'K.private', pub), /ALGNaN|is not the public/)
  fails(t, () => parsePrivateKeyFile(PRIV_TEXT + 'garbage line\n', 'K.private', pub), /not "Field: value"/)
  fails(t, () => parsePrivateKeyFile(PRIV_TEXT.replace(`PrivateKey: ${PRIV}`, `PrivateKey: ${PRIV}!`), 'K.private', pub), /field PrivateKey is not base64/)
  fails(t, () => parsePrivateKeyFile(PRIV_TEXT.replace(`PrivateKey: ${PRIV}`, `PrivateKey: ${Buffer.from(generatedKey(13, 'x').privateKey.export({ format: 'jwk' }).d as string, 'base64url').toString('base64')}`), 'K.private', pub), /does not match/)
  fails(t, () => parsePrivateKeyFile(PRIV_TEXT.replace('Created: 20261129044715', 'Created: 20261399000000'), 'K.private', pub), /Created is not/)
})

t.test('key times', async (t) => {
  t.equal(parseKeyTime('19700101000001'), 1)
  t.equal(parseKeyTime('2026'), undefined)
  t.equal(parseKeyTime('20260001000000'), undefined)
})
