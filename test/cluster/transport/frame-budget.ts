import t from 'tap'
import { FrameBudget } from '../../../src/cluster/transport/frame-budget.js'

t.test('reserves up to the capacity and no further', async (t) => {
  const b = new FrameBudget(100)
  t.ok(b.tryReserve(60))
  t.ok(b.tryReserve(40), 'exactly the capacity')
  t.notOk(b.tryReserve(1), 'capacity + 1')
  t.equal(b.inUseBytes, 100)
  b.release(100)
  t.equal(b.inUseBytes, 0)
})

t.test('waiters are granted in order as bytes are released, and nobody jumps the queue', async (t) => {
  const b = new FrameBudget(100)
  t.ok(b.tryReserve(80))
  const order: string[] = []
  b.wait(50, () => order.push('first'))
  b.wait(10, () => order.push('second'))
  t.notOk(b.tryReserve(10), 'fits, but others wait ahead')
  t.same(order, [])
  b.release(80)
  t.same(order, ['first', 'second'])
  t.equal(b.inUseBytes, 60)
  t.same(b.stats(), { capacity_bytes: 100, in_use_bytes: 60, waits: 2, refusals: 0 })
})

t.test('a cancelled waiter is skipped and lets the next one through', async (t) => {
  const b = new FrameBudget(100)
  t.ok(b.tryReserve(70))
  const order: string[] = []
  const cancel = b.wait(90, () => order.push('big'))
  b.wait(20, () => order.push('small'))
  t.same(order, [], 'small waits behind big')
  cancel()
  t.same(order, ['small'])
  cancel() // idempotent
  t.equal(b.inUseBytes, 90)
})

t.test('fits() tells a frame that can never be granted', async (t) => {
  const b = new FrameBudget(100)
  t.ok(b.fits(100))
  t.notOk(b.fits(101))
  b.noteRefusal()
  t.equal(b.stats().refusals, 1)
})
