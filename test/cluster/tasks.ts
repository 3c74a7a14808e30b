import t from 'tap'
import { mapBounded, Tasks } from '../../src/cluster/tasks.js'

t.test('mapBounded keeps input order and never runs more than the limit at once', async (t) => {
  let running = 0
  let peak = 0
  const gates: Array<() => void> = []
  const p = mapBounded([1, 2, 3, 4, 5], 2, async (n) => {
    running++
    peak = Math.max(peak, running)
    await new Promise<void>((resolve) => gates.push(resolve))
    running--
    return n * 10
  })
  // Release the waiting workers one by one, newest first, so completion order differs from input order.
  for (let i = 0; i < 50 && gates.length + running > 0; i++) {
    await new Promise((r) => setImmediate(r))
    gates.pop()?.()
  }
  t.same(await p, [10, 20, 30, 40, 50])
  t.equal(peak, 2)
})

t.test('mapBounded over nothing resolves to nothing', async (t) => {
  t.same(await mapBounded([], 4, async () => 1), [])
})

t.test('a failed tracked task is logged once and awaited by settle; track returns the promise unchanged', async (t) => {
  const logged: unknown[] = []
  const log = { error: (o: unknown) => logged.push(o) } as never
  const tasks = new Tasks(log)
  const failing = Promise.reject(new Error('boom'))
  t.equal(tasks.track(failing), failing)
  await t.rejects(failing)
  await tasks.settle()
  t.equal(logged.length, 1)
})

t.test('a timer runs until cancelled, and stopTimers clears the rest', async (t) => {
  const tasks = new Tasks({ error() {} } as never)
  const tick = () => new Promise((r) => setTimeout(r, 2))
  let a = 0
  let b = 0
  const ta = tasks.every(1, () => void a++)
  tasks.every(1, () => Promise.resolve(b++))
  for (let i = 0; i < 500 && (a < 2 || b < 2); i++) await tick()
  t.ok(a >= 2 && b >= 2, 'both ran repeatedly')
  tasks.cancel(ta)
  tasks.cancel(undefined)
  const seenA = a
  for (let i = 0; i < 5; i++) await tick()
  t.equal(a, seenA, 'the cancelled timer no longer runs')
  tasks.stopTimers()
  const seenB = b
  for (let i = 0; i < 5; i++) await tick()
  t.equal(b, seenB, 'stopTimers cleared the other')
  await tasks.settle()
})
