import t from 'tap'
import { sharedKeyWrites } from '../../src/dnssec/key-share.js'
import { generatedKey } from '../helpers/dnssec-keys.js'

/** The .key and .private texts of a fresh ECDSA P-256 key of `zone`, as dnssec-keygen writes them. */
function keyTexts(zone: string, ksk = false): { key: string; private: string; d: string } {
  const k = generatedKey(13, zone, ksk)
  const d = Buffer.from(k.privateKey.export({ format: 'jwk' }).d as string, 'base64url').toString('base64')
  return {
    key: `; key\n${zone}. IN DNSKEY ${k.flags} 3 13 ${k.publicKey.toString('base64')}\n`,
    private: `Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: ${d}\n`,
    d,
  }
}

const slot = (name: string) => ({ name, keyPath: `/k/${name}.key`, privPath: `/k/${name}.private` })

t.test('a valid answer gives the files to write, private keys marked secret', async (t) => {
  const ksk = keyTexts('example.test', true)
  const zsk = keyTexts('example.test')
  const answer = { zone: 'Example.Test.', keys: [{ name: 'Kzsk', ...zsk }, { name: 'Kksk', ...ksk }, { name: 'Kother', ...zsk }] }
  const writes = sharedKeyWrites(answer, 'example.test', [slot('Kksk'), slot('Kzsk')])
  t.same(writes, [
    { path: '/k/Kksk.key', text: ksk.key, secret: false },
    { path: '/k/Kksk.private', text: ksk.private, secret: true },
    { path: '/k/Kzsk.key', text: zsk.key, secret: false },
    { path: '/k/Kzsk.private', text: zsk.private, secret: true },
  ])
})

t.test('an answer we do not trust is refused with an error that holds no key byte', async (t) => {
  const good = keyTexts('example.test')
  const other = keyTexts('other.test')
  const second = keyTexts('example.test')
  const cases: [string, { zone: string; keys: { name: string; key: string; private: string }[] }, RegExp][] = [
    ['another zone', { zone: 'other.test', keys: [{ name: 'Ka', ...good }] }, /the answer is for zone other\.test, not example\.test/],
    ['our key missing', { zone: 'example.test', keys: [{ name: 'Kb', ...good }] }, /key Ka is not among the peer's keys/],
    ['a key of another zone', { zone: 'example.test', keys: [{ name: 'Ka', ...other }] }, /key Ka is a key of other\.test/],
    ['not a DNSKEY', { zone: 'example.test', keys: [{ name: 'Ka', key: 'garbage', private: good.private }] }, /Ka\.key \(from the peer\)/],
    ['a private key of another pair', { zone: 'example.test', keys: [{ name: 'Ka', key: good.key, private: second.private }] }, /Ka\.private \(from the peer\)/],
    ['not a private key file', { zone: 'example.test', keys: [{ name: 'Ka', key: good.key, private: 'PrivateKey: !!' }] }, /Ka\.private \(from the peer\)/],
  ]
  for (const [name, answer, error] of cases) {
    let thrown: Error | undefined
    try {
      sharedKeyWrites(answer, 'example.test', [slot('Ka')])
    } catch (err) {
      thrown = err as Error
    }
    t.match(thrown, { code: 'ERR_CONFIG_INVALID', message: error }, name)
    t.notOk(thrown?.message.includes(good.d) || thrown?.message.includes(second.d), `${name}: no key bytes in the error`)
  }
})
