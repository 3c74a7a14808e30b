import t from 'tap'
import { RingBuffer } from '../../src/stats/ring-buffer.js'

t.test('overwrites the oldest entry once full', async (t) => {
  const r = new RingBuffer<number>(3)
  for (let i = 1; i <= 4; i++) r.push(i)
  t.equal(r.length, 3)
  t.same(r.newest(), [4, 3, 2])
  t.same(r.newest(2), [4, 3])
  t.same(r.newest(10), [4, 3, 2])
})

t.test('clear empties the buffer', async (t) => {
  const r = new RingBuffer<number>(2)
  r.push(1)
  r.clear()
  t.same(r.newest(), [])
  r.push(5)
  t.same(r.newest(), [5])
})

t.test('rejects a capacity that is not a positive integer', async (t) => {
  for (const c of [0, -3, 2.5]) t.throws(() => new RingBuffer(c), RangeError)
})
