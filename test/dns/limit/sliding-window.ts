import fc from 'fast-check'
import t from 'tap'
import { countInWindow, newWindow } from '../../../src/dns/limit/sliding-window.js'

t.test('counts up to max in a window, and weighs the previous window by its overlap', async (t) => {
  const w = newWindow(1000, 1000)
  t.same([1, 2, 3].map(() => countInWindow(w, 1000, 1000, 2)), [true, true, false])
  // at 2500 the previous window (2 events) still overlaps by half: 1 + 0 < 2 allows one more
  t.equal(countInWindow(w, 2500, 1000, 2), true)
  t.equal(countInWindow(w, 2500, 1000, 2), false)
  // two windows later the old counts are gone
  t.equal(countInWindow(w, 5000, 1000, 2), true)
  t.equal(w.previous, 0)
})

t.test('never allows more than 2 x max in any window length', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 300 }), (max, gaps) => {
      const windowMs = 1000
      const w = newWindow(0, windowMs)
      const times: number[] = []
      let now = 0
      for (const g of gaps) {
        now += g
        if (countInWindow(w, now, windowMs, max)) times.push(now)
      }
      for (let i = 0; i < times.length; i++) {
        let n = 0
        for (let j = i; j < times.length && times[j] < times[i] + windowMs; j++) n++
        if (n > 2 * max) return false
      }
      return true
    }),
  )
  t.pass('bounded')
})
