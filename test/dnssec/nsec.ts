import t from 'tap'
import { immediateSuccessor, nsecChain, nsecRdata, parseTypeBitmap, typeBitmap, TYPE_NXNAME } from '../../src/dnssec/nsec.js'
import { encodeName } from '../../src/dns/wire/rdata.js'

const n = (s: string) => encodeName(s)!

t.test('RFC 4034 4.3 example bit map: A MX RRSIG NSEC TYPE1234', async (t) => {
  const bm = typeBitmap([1, 15, 46, 47, 1234, 1])
  t.equal(bm.toString('hex'), '0006400100000003' + '041b' + '00'.repeat(26) + '20')
  t.same(parseTypeBitmap(bm), [1, 15, 46, 47, 1234])
  t.same(parseTypeBitmap(typeBitmap([46, 47, TYPE_NXNAME])), [46, 47, 128])
})

t.test('malformed bit maps are refused', async (t) => {
  t.equal(parseTypeBitmap(Buffer.from([0])), undefined, 'truncated header')
  t.equal(parseTypeBitmap(Buffer.from([0, 0])), undefined, 'zero length')
  t.equal(parseTypeBitmap(Buffer.from([0, 33, ...Buffer.alloc(33)])), undefined, 'too long')
  t.equal(parseTypeBitmap(Buffer.from([0, 2, 1])), undefined, 'runs off the end')
  t.equal(parseTypeBitmap(Buffer.from([1, 1, 1, 0, 1, 1])), undefined, 'windows out of order')
  t.same(parseTypeBitmap(Buffer.alloc(0)), [])
})

t.test('immediate successor and the chain', async (t) => {
  t.same(immediateSuccessor(n('A.example')), Buffer.concat([Buffer.from([1, 0]), n('a.example')]))
  t.equal(immediateSuccessor(Buffer.alloc(254)), undefined)
  const chain = nsecChain([
    { owner: n('b.example'), types: [1] },
    { owner: n('example'), types: [6, 2] },
    { owner: n('a.example'), types: [16] },
  ])
  t.same(chain.map((c) => c.owner), [n('example'), n('a.example'), n('b.example')])
  t.same(chain[2].rdata, nsecRdata(n('example'), [1, 46, 47]), 'the last points at the apex')
})
