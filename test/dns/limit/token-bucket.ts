import fc from 'fast-check'
import t from 'tap'
import { newBucket, secondsUntilToken, takeToken } from '../../../src/dns/limit/token-bucket.js'

t.test('allows the burst at once, then the rate', async (t) => {
  const b = newBucket(3, 0)
  t.same([1, 2, 3, 4].map(() => takeToken(b, 0, 2, 3)), [true, true, true, false])
  t.equal(secondsUntilToken(b, 2), 1)
  t.equal(takeToken(b, 499, 2, 3), false, 'not yet a whole token')
  t.equal(takeToken(b, 500, 2, 3), true, 'one token after 1/rate seconds')
  t.equal(takeToken(b, 100_000, 2, 3) && takeToken(b, 100_000, 2, 3) && takeToken(b, 100_000, 2, 3), true)
  t.equal(takeToken(b, 100_000, 2, 3), false, 'refill stops at the burst')
  t.equal(secondsUntilToken(newBucket(1, 0), 0.1), 1)
  const slow = newBucket(1, 0)
  takeToken(slow, 0, 0.1, 1)
  t.equal(secondsUntilToken(slow, 0.1), 10)
})

t.test('a burst of 0 is taken as 1; a clock going back takes nothing back', async (t) => {
  const b = newBucket(0, 1000)
  t.equal(takeToken(b, 1000, 1, 0), true)
  t.equal(takeToken(b, 0, 1, 0), false)
  t.equal(takeToken(b, 2000, 1, 0), true)
})

t.test('over any stretch of time, at most burst + rate x seconds are allowed', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 50 }),
      fc.array(fc.integer({ min: 0, max: 2000 }), { maxLength: 200 }),
      (rate, burst, gaps) => {
        const b = newBucket(burst, 0)
        let now = 0
        let allowed = 0
        for (const g of gaps) {
          now += g
          if (takeToken(b, now, rate, burst)) allowed++
        }
        return allowed <= Math.max(1, burst) + (rate * now) / 1000 + 1e-9
      },
    ),
  )
  t.pass('bounded by the rate')
})
