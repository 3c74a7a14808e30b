import t from 'tap'
import { encodeName } from '../../../src/dns/wire/rdata.js'
import { parseDnskey, parseDs, parseNsec, parseNsec3, parseRrsig, readName, readTypeBitmap, rr, T } from '../../../src/dnssec/validate/records.js'
import { typeBitmap } from '../../../src/dnssec/nsec.js'
import { nsec3Rr, nsecRr } from '../../helpers/dnssec-denial.js'

t.test('type bit maps decode across windows; malformed ones do not', async (t) => {
  const types = [T.A, T.NS, T.RRSIG, T.NSEC, 256, 65535]
  t.same([...readTypeBitmap(typeBitmap(types), 0)!].sort((a, b) => a - b), types)
  t.equal(readTypeBitmap(Buffer.from([0, 0]), 0), undefined, 'empty window')
  t.equal(readTypeBitmap(Buffer.from([0, 3, 1]), 0), undefined, 'short window')
  t.equal(readTypeBitmap(Buffer.from([0]), 0), undefined)
})

t.test('reads names lower-cased with escapes; rejects truncated ones', async (t) => {
  const wire = Buffer.concat([Buffer.from([3, 0x41, 0x2e, 0x20]), encodeName('Example')!])
  t.same(readName(wire, 0), ['a\\.\\032.example', wire.length])
  t.equal(readName(Buffer.from([5, 1]), 0), undefined)
  t.equal(readName(Buffer.from([64]), 0), undefined)
})

t.test('RRSIG, DNSKEY and DS RDATA', async (t) => {
  const head = Buffer.alloc(18)
  head.writeUInt16BE(T.A, 0)
  head[2] = 13
  head[3] = 2
  head.writeUInt32BE(300, 4)
  head.writeUInt32BE(2000, 8)
  head.writeUInt32BE(1000, 12)
  head.writeUInt16BE(4242, 16)
  const sig = parseRrsig(Buffer.concat([head, encodeName('Example.')!, Buffer.from([1, 2, 3])]))
  t.match(sig, { typeCovered: T.A, algorithm: 13, labels: 2, originalTtl: 300, expiration: 2000, inception: 1000, keyTag: 4242, signer: 'example' })
  t.same([...sig!.signature], [1, 2, 3])
  t.equal(parseRrsig(head), undefined)
  t.equal(parseRrsig(Buffer.concat([head, encodeName('example')!])), undefined, 'no signature')
  t.match(parseDnskey(Buffer.from([1, 1, 3, 13, 9])), { flags: 257, protocol: 3, algorithm: 13 })
  t.equal(parseDnskey(Buffer.from([1])), undefined)
  t.match(parseDs(Buffer.from([0, 1, 8, 2, 0xaa])), { keyTag: 1, algorithm: 8, digestType: 2 })
  t.equal(parseDs(Buffer.from([1])), undefined)
})

t.test('NSEC and NSEC3 RDATA', async (t) => {
  t.match(parseNsec(nsecRr('A.example.', 'B.example', [T.A])), { owner: 'a.example', next: 'b.example' })
  t.equal(parseNsec(rr('x', T.NSEC, 0, Buffer.from([1]))), undefined)
  const n3 = parseNsec3(nsec3Rr('h.example', Buffer.alloc(20, 1), [T.A], { salt: Buffer.from([9]), iterations: 7, optOut: true }))
  t.match(n3, { hashAlgorithm: 1, optOut: true, iterations: 7 })
  t.equal(n3?.salt.toString('hex'), '09')
  t.ok(n3?.types.has(T.A))
  t.equal(parseNsec3(rr('x', T.NSEC3, 0, Buffer.from([1, 0, 0, 0]))), undefined)
  t.equal(parseNsec3(rr('x', T.NSEC3, 0, Buffer.from([1, 0, 0, 0, 1, 9]))), undefined, 'no hash length')
  t.equal(parseNsec3(rr('x', T.NSEC3, 0, Buffer.from([1, 0, 0, 0, 0, 0]))), undefined, 'empty hash')
  t.equal(parseNsec3(rr('x', T.NSEC3, 0, Buffer.from([1, 0, 0, 0, 0, 1, 7, 0]))), undefined, 'bad bitmap')
})
