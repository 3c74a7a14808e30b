import t from 'tap'
import { ancestorWithLabels, canonicalWire, childName, commonAncestor, compareNames, isSubdomain, labelCount, labelsOf, normName, parentName, stripLabels } from '../../../src/dnssec/validate/names.js'

t.test('normalises case, the trailing dot and the root', async (t) => {
  t.equal(normName('Example.COM.'), 'example.com')
  t.equal(normName('.'), '')
  t.equal(normName('a\\.'), 'a\\.', 'an escaped dot stays')
  t.equal(labelsOf('a..b'), undefined)
  t.equal(canonicalWire('A.b').toString('hex'), '0161016200')
})

t.test('RFC 4034 6.1 canonical order', async (t) => {
  const sorted = ['example', 'a.example', 'yljkjljk.a.example', 'Z.a.example', 'zABC.a.EXAMPLE', 'z.example', '\\001.z.example', '*.z.example', '\\200.z.example']
  const shuffled = [...sorted].reverse()
  t.same(shuffled.sort(compareNames), sorted)
  t.equal(compareNames('', 'com'), -1)
})

t.test('label arithmetic', async (t) => {
  t.equal(labelCount('a.b.c'), 3)
  t.equal(labelCount(''), 0)
  t.equal(stripLabels('a.b.c', 2), 'c')
  t.equal(stripLabels('a.b.c', 5), '')
  t.equal(stripLabels('a\\.x.b', 1), 'b', 'escaped dots are inside a label')
  t.equal(stripLabels('a\\046x.b', 1), 'b')
  t.equal(parentName('com'), '')
  t.equal(ancestorWithLabels('a.b.c', 1), 'c')
  t.equal(childName('*', ''), '*')
  t.equal(childName('*', 'x'), '*.x')
  t.equal(commonAncestor('a.b.example', 'c.b.example'), 'b.example')
  t.equal(commonAncestor('a.example', 'other'), '')
  t.ok(isSubdomain('a.example', ''))
  t.ok(isSubdomain('A.example.', 'example'))
  t.notOk(isSubdomain('aexample', 'example'))
})
