import t from 'tap'
import { firstLabel, isAtOrBelow, keyOfWire, nameKeyOf, parentKey, replaceSuffix } from '../../../src/dns/local/names.js'

t.test('one key for every spelling of a name (RFC 2181 5)', async (t) => {
  t.equal(nameKeyOf('Host.Example.COM.'), 'host.example.com')
  t.equal(nameKeyOf('ho\\115t.example.com'), 'host.example.com')
  t.equal(nameKeyOf('a\\.b.example'), 'a\\.b.example')
  t.equal(nameKeyOf('caf\\195\\169.example'), 'caf\\195\\169.example')
  t.equal(nameKeyOf('.'), '')
  t.equal(nameKeyOf('bad..name'), undefined)
  t.equal(keyOfWire(Buffer.from([1, 0x5c, 1, 0x20, 0])), '\\\\.\\032')
})

t.test('parents split at label separators only, never at an escaped dot', async (t) => {
  t.equal(parentKey('dot\\.inside.example.com'), 'example.com')
  t.equal(parentKey('a\\\\.b'), 'b', 'an escaped backslash does not escape the dot after it')
  t.equal(parentKey('x\\046y.z'), 'z')
  t.equal(parentKey('com'), '')
  t.equal(parentKey(''), undefined)
  t.equal(firstLabel('dot\\.inside.example.com'), 'dot\\.inside')
  t.equal(firstLabel('com'), 'com')
})

t.test('isAtOrBelow compares whole labels', async (t) => {
  t.ok(isAtOrBelow('a.b.example', 'example'))
  t.ok(isAtOrBelow('example', 'example'))
  t.ok(isAtOrBelow('anything', ''))
  t.notOk(isAtOrBelow('dot\\.inside.example', 'inside.example'))
  t.notOk(isAtOrBelow('xexample', 'example'))
})

t.test('replaceSuffix substitutes a DNAME owner by its target (RFC 6672 2.2)', async (t) => {
  t.equal(replaceSuffix('www.old.example', 'old.example', 'new.test'), 'www.new.test')
  t.equal(replaceSuffix('www.old.example', 'old.example', ''), 'www')
  t.equal(replaceSuffix('www', '', 'new.test'), 'www.new.test')
})
