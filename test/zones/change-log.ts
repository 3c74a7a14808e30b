import t from 'tap'
import { ZoneChangeLog, type Schedule } from '../../src/zones/change-log.js'

function harness() {
  const lines: { msg: string; o: Record<string, unknown> }[] = []
  const timers: { fn: () => void; ms: number; cancelled: boolean }[] = []
  const schedule: Schedule = (fn, ms) => {
    const timer = { fn, ms, cancelled: false }
    timers.push(timer)
    return () => void (timer.cancelled = true)
  }
  const fire = () => {
    for (const tm of timers.splice(0)) if (!tm.cancelled) tm.fn()
  }
  const log = new ZoneChangeLog({ info: (o, msg) => void lines.push({ msg, o: o as Record<string, unknown> }) }, schedule)
  return { lines, timers, fire, log }
}

const step = (apex: string, from: number | undefined, to: number | undefined, added = 1, removed = 0) => ({ apex, from, to, added, removed })

t.test('the first change of a zone is logged at once; the rest of its window folds into one line', async (t) => {
  const h = harness()
  h.log.changed(step('z.test', 1, 2), 'local')
  t.same(h.lines, [{ msg: 'zone serial changed', o: { zone: 'z.test', from: 1, serial: 2, added: 1, removed: 0, source: 'local' } }])
  t.equal(h.timers[0].ms, 1000)
  for (let i = 2; i < 1000; i++) h.log.changed(step('z.test', i, i + 1, 1, 1), i % 2 ? 'local' : 'cluster')
  h.log.changed(step('other.test', 7, 8), 'local')
  t.equal(h.lines.length, 2, '1,000 changes of one zone within the window: one line so far (plus the other zone)')
  h.fire()
  t.same(h.lines[2], { msg: 'zone serial changed', o: { zone: 'z.test', from: 2, serial: 1000, added: 998, removed: 998, source: 'cluster,local', changes: 998 } })
  t.equal(h.lines.length, 3, 'the other zone folded nothing: no line')
  h.log.changed(step('z.test', 1000, 1001), 'local')
  t.equal(h.lines.length, 3, 'a steady stream: the next window is open')
  h.fire()
  t.same(h.lines[3].o, { zone: 'z.test', from: 1000, serial: 1001, added: 1, removed: 0, source: 'local' })
  h.fire()
  h.log.changed(step('z.test', 1001, 1002), 'local')
  t.equal(h.lines.length, 5, 'a quiet window closed it: the next change is logged at once')
})

t.test('a zone that appears or goes is logged at once, after what was folded; flush logs the rest', async (t) => {
  const h = harness()
  h.log.changed(step('z.test', undefined, 5, 3), 'file')
  h.log.changed(step('z.test', 5, 6), 'local')
  h.log.changed(step('z.test', 6, 7), 'local')
  h.log.changed(step('z.test', 7, undefined, 0, 4), 'local')
  t.same(h.lines.map((l) => [l.msg, l.o.from, l.o.serial, l.o.changes]), [
    ['zone serial changed', undefined, 5, undefined],
    ['zone serial changed', 5, 6, undefined],
    ['zone serial changed', 6, 7, undefined],
    ['zone removed', 7, undefined, undefined],
  ])
  t.ok(h.timers.every((tm) => tm.cancelled), 'the window closed with the zone')
  h.log.changed(step('y.test', 1, 2), 'local')
  h.log.changed(step('y.test', 2, 3), 'local')
  h.log.changed(step('y.test', 3, 4), 'local')
  h.log.flush()
  t.same(h.lines.slice(4).map((l) => [l.o.from, l.o.serial, l.o.changes]), [[1, 2, undefined], [2, 4, 2]])
  h.log.flush()
  t.equal(h.lines.length, 6, 'nothing left')
})

t.test('the default timer closes the window on its own', async (t) => {
  const lines: string[] = []
  const log = new ZoneChangeLog({ info: (o) => void lines.push(JSON.stringify(o)) }, undefined, 5)
  log.changed(step('z.test', 1, 2), 'local')
  log.changed(step('z.test', 2, 3), 'local')
  await new Promise((r) => setTimeout(r, 50))
  t.equal(lines.length, 2)
  log.flush()
})
