import fc from 'fast-check'
import t from 'tap'
import { clientPrefix } from '../../../src/dns/limit/client-prefix.js'

t.test('cuts IPv4 (also IPv4-mapped) and IPv6 addresses to their prefix', async (t) => {
  const cases: [string, number, number, string][] = [
    ['192.0.2.77', 32, 64, '192.0.2.77/32'],
    ['192.0.2.77', 24, 56, '192.0.2.0/24'],
    ['::ffff:192.0.2.77', 24, 56, '192.0.2.0/24'],
    ['10.1.2.3', 0, 64, '0.0.0.0/0'],
    ['2001:db8:1:2:3:4:5:6', 32, 64, '20010db8000100020000000000000000/64'],
    ['2001:db8:1:2ff:3:4:5:6', 24, 56, '20010db8000102000000000000000000/56'],
    ['2001:DB8::1%eth0', 32, 128, '20010db8000000000000000000000001/128'],
    ['::1', 32, 0, '00000000000000000000000000000000/0'],
    ['64:ff9b::192.0.2.1', 32, 128, '0064ff9b0000000000000000c0000201/128'],
    ['1::2::3', 32, 64, '1::2::3'],
    ['1:2:3', 32, 64, '1:2:3'],
    ['not-an-ip', 32, 64, 'not-an-ip'],
    ['1:2:3:4:5:6:7:8:9', 32, 64, '1:2:3:4:5:6:7:8:9'],
  ]
  for (const [ip, v4, v6, key] of cases) t.equal(clientPrefix(ip, v4, v6), key, `${ip} /${v4} /${v6}`)
})

t.test('two addresses share a key exactly when they share the prefix', async (t) => {
  fc.assert(
    fc.property(fc.ipV4(), fc.ipV4(), fc.integer({ min: 0, max: 32 }), (a, b, bits) => {
      const n = (ip: string): number => ip.split('.').reduce((acc, x) => acc * 256 + Number(x), 0)
      const same = bits === 0 || Math.floor(n(a) / 2 ** (32 - bits)) === Math.floor(n(b) / 2 ** (32 - bits))
      return (clientPrefix(a, bits, 64) === clientPrefix(b, bits, 64)) === same
    }),
  )
  fc.assert(
    fc.property(fc.ipV6(), fc.integer({ min: 0, max: 128 }), (a, bits) => {
      const key = clientPrefix(a, 32, bits)
      // every address parses, and the key is one per prefix: the address's own prefix maps to itself
      return /^[0-9a-f]{32}\/\d+$/.test(key) && clientPrefix(key.slice(0, 32).replace(/(.{4})(?!$)/g, '$1:'), 32, bits) === key
    }),
  )
  t.pass('properties hold')
})
