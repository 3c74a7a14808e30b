import t from 'tap'
import { generateKeyPairSync } from 'node:crypto'
import {
  algorithmMnemonic,
  DNSSEC_ALGORITHMS,
  dnskeyPublicKey,
  isSupportedAlgorithm,
  privateKeyFromFields,
  publicKeyFromDnskey,
  signData,
  verifySignature,
} from '../../src/dnssec/algorithms.js'
import { generatedKey } from '../helpers/dnssec-keys.js'

const DATA = Buffer.from('the signing input')

t.test('every algorithm signs and verifies; a flipped bit fails', async (t) => {
  for (const alg of DNSSEC_ALGORITHMS) {
    const k = generatedKey(alg, 'example.test')
    const sig = signData(alg, k.privateKey, DATA)
    t.ok(verifySignature(alg, k.publicKey, DATA, sig), `${algorithmMnemonic(alg)} verifies`)
    const bad = Buffer.from(sig)
    bad[bad.length - 1] ^= 1
    t.notOk(verifySignature(alg, k.publicKey, DATA, bad), `${algorithmMnemonic(alg)} tampered signature fails`)
    t.notOk(verifySignature(alg, k.publicKey, Buffer.from('other data'), sig), `${algorithmMnemonic(alg)} other data fails`)
  }
})

t.test('ECDSA signatures are raw r||s and public keys x||y (RFC 6605 4); Ed25519 32-byte keys (RFC 8080)', async (t) => {
  const p256 = generatedKey(13, 'x')
  t.equal(p256.publicKey.length, 64)
  t.equal(signData(13, p256.privateKey, DATA).length, 64)
  const p384 = generatedKey(14, 'x')
  t.equal(p384.publicKey.length, 96)
  t.equal(signData(14, p384.privateKey, DATA).length, 96)
  const ed = generatedKey(15, 'x')
  t.equal(ed.publicKey.length, 32)
  t.equal(signData(15, ed.privateKey, DATA).length, 64)
  // a DER signature (what node gives by default) is not an RRSIG signature
  t.notOk(verifySignature(13, p256.publicKey, DATA, Buffer.alloc(70)))
})

t.test('unsupported algorithms and malformed keys never verify', async (t) => {
  const k = generatedKey(13, 'x')
  const sig = signData(13, k.privateKey, DATA)
  t.notOk(verifySignature(5, k.publicKey, DATA, sig), 'RSASHA1 is not supported')
  t.notOk(verifySignature(13, k.publicKey.subarray(1), DATA, sig), 'short EC key')
  t.notOk(verifySignature(13, Buffer.alloc(64), DATA, sig), 'a point not on the curve')
  t.notOk(verifySignature(8, Buffer.from([1]), DATA, sig), 'RSA key too short')
  t.notOk(verifySignature(8, Buffer.from([5, 1, 0, 1]), DATA, sig), 'RSA exponent longer than the key')
  t.notOk(verifySignature(8, Buffer.from([0, 0, 0, 1, 2]), DATA, sig), 'RSA exponent length 0')
  t.notOk(verifySignature(15, Buffer.alloc(31), DATA, sig), 'short Ed25519 key')
  const rsa = generatedKey(8, 'x')
  t.notOk(verifySignature(8, rsa.publicKey, DATA, Buffer.alloc(3)), 'RSA signature of the wrong size')
  t.equal(publicKeyFromDnskey(13, Buffer.alloc(3)), undefined)
  t.ok(isSupportedAlgorithm(15))
  t.notOk(isSupportedAlgorithm(7))
  t.equal(algorithmMnemonic(7), 'ALG7')
})

t.test('RFC 3110 2: an exponent longer than 255 bytes takes the 3-byte length form', async (t) => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
  const jwk = publicKey.export({ format: 'jwk' })
  const big = Buffer.alloc(256, 0)
  big[0] = 1
  big[255] = 1
  const long = publicKeyFromDnskey(8, Buffer.concat([Buffer.from([0, 1, 0]), big, Buffer.from(jwk.n as string, 'base64url')]))
  t.ok(long, 'parses the long form')
  const wire = dnskeyPublicKey(8, long!)
  t.same([...wire.subarray(0, 3)], [0, 1, 0])
})

t.test('private keys from BIND fields: missing, mismatched or invalid fields are named', async (t) => {
  const ec = generatedKey(13, 'x')
  const d = Buffer.from(ec.privateKey.export({ format: 'jwk' }).d as string, 'base64url')
  t.ok(privateKeyFromFields(13, new Map([['PrivateKey', d]]), ec.publicKey))
  t.throws(() => privateKeyFromFields(13, new Map(), ec.publicKey), /field PrivateKey is missing/)
  t.throws(() => privateKeyFromFields(13, new Map([['PrivateKey', d]]), Buffer.alloc(3)), /public key is not a valid ECDSAP256SHA256 key/)
  const other = generatedKey(13, 'x')
  t.throws(() => privateKeyFromFields(13, new Map([['PrivateKey', d]]), other.publicKey), /does not match the public key|not a valid/)
  const ed = generatedKey(15, 'x')
  t.throws(() => privateKeyFromFields(15, new Map([['PrivateKey', Buffer.alloc(5)]]), ed.publicKey), /not a valid ED25519 key/)
  const rsa = generatedKey(8, 'x')
  const j = rsa.privateKey.export({ format: 'jwk' })
  const f = (n: string) => Buffer.from(j[n] as string, 'base64url')
  const fields = new Map([
    ['Modulus', f('n')], ['PublicExponent', f('e')], ['PrivateExponent', f('d')], ['Prime1', f('p')],
    ['Prime2', f('q')], ['Exponent1', f('dp')], ['Exponent2', f('dq')], ['Coefficient', f('qi')],
  ])
  t.ok(privateKeyFromFields(8, fields, rsa.publicKey))
  t.throws(() => privateKeyFromFields(8, fields, generatedKey(8, 'x').publicKey), /Modulus does not match/)
  t.equal(dnskeyPublicKey(8, publicKeyFromDnskey(8, rsa.publicKey)!).toString('hex'), rsa.publicKey.toString('hex'), 'public key round trip')
})
