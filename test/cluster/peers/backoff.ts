import t from 'tap'
import { backoffDelayMs, random01From } from '../../../src/cluster/peers/backoff.js'

t.test('push retry backoff doubles from 1 s to a 60 s cap with jitter in [50 %, 100 %]', async (t) => {
  t.equal(backoffDelayMs(1, 0.999999), 1000)
  t.equal(backoffDelayMs(1, 0), 500)
  t.equal(backoffDelayMs(3, 0.999999), 4000)
  t.equal(backoffDelayMs(50, 0.999999), 60000)
  t.equal(backoffDelayMs(50, 0), 30000)
  t.equal(random01From(Buffer.from([0, 0, 0, 0])), 0)
  t.ok(random01From(Buffer.from([255, 255, 255, 255])) < 1)
})
