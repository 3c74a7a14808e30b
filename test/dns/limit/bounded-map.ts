import fc from 'fast-check'
import t from 'tap'
import { BoundedMap } from '../../../src/dns/limit/bounded-map.js'

t.test('forgets the least recently used entry when full', async (t) => {
  const m = new BoundedMap<string, number>(2)
  m.set('a', 1)
  m.set('b', 2)
  t.equal(m.get('a'), 1, 'touches a')
  m.set('c', 3)
  t.equal(m.get('b'), undefined, 'b was the least recently used')
  t.equal(m.get('a'), 1)
  t.equal(m.get('c'), 3)
  m.set('c', 4)
  t.equal(m.size, 2, 'updating a key does not evict')
  t.equal(m.evictions, 1)
})

t.test('refuses a capacity that is not a positive integer', async (t) => {
  t.throws(() => new BoundedMap(0), RangeError)
  t.throws(() => new BoundedMap(1.5), RangeError)
})

t.test('never holds more than its capacity, and keeps the most recent key', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), (cap, keys) => {
      const m = new BoundedMap<number, number>(cap)
      for (const k of keys) {
        m.set(k, k)
        if (m.size > cap || m.get(k) !== k) return false
      }
      return m.size === Math.min(cap, new Set(keys).size)
    }),
  )
  t.pass('bounded')
})
