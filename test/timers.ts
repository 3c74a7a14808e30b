import t from 'tap'
import { clampDelayMs, MAX_TIMER_DELAY_MS, setClampedInterval, setClampedTimeout, sleepClamped } from '../src/timers.js'

t.test('clamps delays to the 32-bit range Node honours', async (t) => {
  t.equal(clampDelayMs(2_147_483_648_000), MAX_TIMER_DELAY_MS, 'cluster_sync_interval_seconds 2^31 as ms')
  t.equal(clampDelayMs(MAX_TIMER_DELAY_MS + 1), MAX_TIMER_DELAY_MS, 'limit + 1')
  t.equal(clampDelayMs(MAX_TIMER_DELAY_MS), MAX_TIMER_DELAY_MS, 'limit')
  t.equal(clampDelayMs(Infinity), MAX_TIMER_DELAY_MS)
  t.equal(clampDelayMs(1800_000), 1800_000, 'an ordinary delay is unchanged')
  t.equal(clampDelayMs(0), 1)
  t.equal(clampDelayMs(-5), 1)
  t.equal(clampDelayMs(NaN), 1)
})

t.test('a huge interval is armed at the limit, not wrapped to 1 ms', async (t) => {
  const warnings: string[] = []
  const onWarning = (w: Error) => warnings.push(w.name)
  process.on('warning', onWarning)
  t.teardown(() => process.off('warning', onWarning))
  let fired = 0
  const iv = setClampedInterval(() => fired++, 3_000_000 * 1000)
  const to = setClampedTimeout(() => fired++, 3_000_000 * 1000)
  t.teardown(() => {
    clearInterval(iv)
    clearTimeout(to)
  })
  // Node exposes the armed delay as _idleTimeout; a wrapped timer shows 1 here.
  t.equal((iv as unknown as { _idleTimeout: number })._idleTimeout, MAX_TIMER_DELAY_MS)
  t.equal((to as unknown as { _idleTimeout: number })._idleTimeout, MAX_TIMER_DELAY_MS)
  await new Promise((r) => setImmediate(r))
  await new Promise((r) => setTimeout(r, 20))
  t.equal(fired, 0, 'nothing fired')
  t.notOk(warnings.includes('TimeoutOverflowWarning'), 'no overflow warning')
})

t.test('sleepClamped sleeps and honours an abort signal', async (t) => {
  await sleepClamped(1)
  const ac = new AbortController()
  const p = sleepClamped(3_000_000 * 1000, ac.signal)
  ac.abort()
  await t.rejects(p, { name: 'AbortError' })
})
