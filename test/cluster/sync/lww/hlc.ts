import t from 'tap'
import { compareHlc, formatHlc, HlcClock, isValidHlc, MAX_HLC_COUNTER, MAX_HLC_WALL, ZERO_HLC, type Hlc } from '../../../../src/cluster/sync/lww/hlc.js'

/** A wall clock that returns the given readings in turn (the last one repeats). */
function readings(...ms: number[]): () => number {
  let i = 0
  return () => ms[Math.min(i++, ms.length - 1)]
}

t.test('tick uses the wall clock and resets the counter when the wall clock advances', async (t) => {
  const c = new HlcClock('a', readings(100, 100, 250))
  t.same(c.tick(), { wall: 100, counter: 0, node: 'a' })
  t.same(c.tick(), { wall: 100, counter: 1, node: 'a' })
  t.same(c.tick(), { wall: 250, counter: 0, node: 'a' })
})

t.test('floors a fractional wall clock reading to whole milliseconds', async (t) => {
  const c = new HlcClock('a', () => 100.9)
  t.same(c.tick(), { wall: 100, counter: 0, node: 'a' })
})

t.test('versions from one clock strictly increase while the wall clock goes backwards', async (t) => {
  const c = new HlcClock('a', readings(1000, 400, 999, 1000, 5, 1001, 0))
  let prev = c.tick()
  for (let i = 0; i < 6; i++) {
    const next = c.tick()
    t.ok(compareHlc(next, prev) > 0, `${formatHlc(next)} > ${formatHlc(prev)}`)
    t.ok(next.wall >= 1000, 'never goes below the highest wall time seen')
    prev = next
  }
})

t.test('after observe(), the next tick exceeds the remote version', async (t) => {
  const cases: { name: string; local: number; remote: Pick<Hlc, 'wall' | 'counter'> }[] = [
    { name: 'remote wall ahead of ours', local: 100, remote: { wall: 5000, counter: 7 } },
    { name: 'remote on our wall with a higher counter', local: 100, remote: { wall: 100, counter: 9 } },
    { name: 'remote on our wall with the same counter', local: 100, remote: { wall: 100, counter: 0 } },
    { name: 'remote behind us', local: 100, remote: { wall: 50, counter: 99 } },
  ]
  for (const c of cases) {
    const clock = new HlcClock('a', () => c.local)
    clock.tick()
    clock.observe(c.remote)
    const next = clock.tick()
    for (const node of ['0', 'a', 'zzz']) {
      t.ok(compareHlc(next, { ...c.remote, node }) > 0, `${c.name}: ${formatHlc(next)} beats remote from node ${node}`)
    }
  }
})

t.test('observe() never moves the clock backwards', async (t) => {
  const c = new HlcClock('a', () => 0, { wall: 900, counter: 4 })
  c.observe({ wall: 10, counter: 50 })
  c.observe({ wall: 900, counter: 2 })
  t.same(c.current(), { wall: 900, counter: 4 })
})

t.test('a clock restored from a saved state continues above it', async (t) => {
  const c = new HlcClock('a', () => 10, { wall: 500, counter: 3 })
  t.same(c.tick(), { wall: 500, counter: 4, node: 'a' })
  t.same(c.current(), { wall: 500, counter: 4 })
})

t.test('compareHlc orders by wall, then counter, then node id', async (t) => {
  const ordered: Hlc[] = [
    ZERO_HLC,
    { wall: 1, counter: 0, node: 'b' },
    { wall: 1, counter: 1, node: 'a' },
    { wall: 1, counter: 1, node: 'b' },
    { wall: 2, counter: 0, node: 'A' },
    { wall: 2, counter: 0, node: 'a' },
    { wall: 10, counter: 0, node: 'a' },
  ]
  for (let i = 0; i < ordered.length; i++) {
    for (let j = 0; j < ordered.length; j++) {
      const want = Math.sign(i - j)
      t.equal(Math.sign(compareHlc(ordered[i], ordered[j])), want, `${formatHlc(ordered[i])} vs ${formatHlc(ordered[j])}`)
    }
  }
})

t.test('compareHlc is a total order: sorting any permutation gives the same sequence', async (t) => {
  const vs: Hlc[] = [
    { wall: 3, counter: 1, node: 'n2' },
    { wall: 3, counter: 1, node: 'n10' },
    { wall: 2, counter: 9, node: 'n1' },
    { wall: 3, counter: 0, node: 'n1' },
    { wall: 3, counter: 1, node: 'n1' },
  ]
  const a = [...vs].sort(compareHlc).map(formatHlc)
  const b = [...vs].reverse().sort(compareHlc).map(formatHlc)
  t.same(a, b)
  t.same(a, ['2.9@n1', '3.0@n1', '3.1@n1', '3.1@n10', '3.1@n2'])
})

t.test('isValidHlc accepts versions within bounds and rejects everything else', async (t) => {
  const ok = (wall: unknown, counter: unknown, node: unknown) => ({ wall, counter, node })
  const cases: [string, unknown, boolean][] = [
    ['smallest', ok(0, 0, 'a'), true],
    ['largest', ok(MAX_HLC_WALL, MAX_HLC_COUNTER, 'n'.repeat(256)), true],
    ['wall above MAX_HLC_WALL', ok(MAX_HLC_WALL + 1, 0, 'a'), false],
    ['counter above MAX_HLC_COUNTER', ok(1, MAX_HLC_COUNTER + 1, 'a'), false],
    ['negative wall', ok(-1, 0, 'a'), false],
    ['negative counter', ok(1, -1, 'a'), false],
    ['fractional wall', ok(1.5, 0, 'a'), false],
    ['wall as string', ok('1', 0, 'a'), false],
    ['NaN counter', ok(1, Number.NaN, 'a'), false],
    ['empty node', ok(1, 0, ''), false],
    ['node of 257 characters', ok(1, 0, 'n'.repeat(257)), false],
    ['node not a string', ok(1, 0, 7), false],
    ['null', null, false],
    ['array', [1, 0, 'a'], false],
    ['number', 5, false],
    ['missing node', { wall: 1, counter: 0 }, false],
  ]
  for (const [name, v, want] of cases) t.equal(isValidHlc(v), want, name)
})

t.test('formatHlc renders wall.counter@node', async (t) => {
  t.equal(formatHlc({ wall: 12, counter: 3, node: 'x' }), '12.3@x')
})

t.test(
  'tick always makes a valid version, even after observing a remote counter at MAX_HLC_COUNTER',
  {},
  async (t) => {
    const c = new HlcClock('a', () => 1000)
    c.observe({ wall: 5000, counter: MAX_HLC_COUNTER })
    const next = c.tick()
    t.ok(isValidHlc(next), formatHlc(next))
    t.ok(compareHlc(next, { wall: 5000, counter: MAX_HLC_COUNTER, node: 'zzz' }) > 0)
  },
)

t.test('a version at the codec bounds never moves the clock out of the range the codec accepts (issue #10 item 3)', async (t) => {
  const c = new HlcClock('n', () => 1_000)
  c.observe({ wall: MAX_HLC_WALL, counter: MAX_HLC_COUNTER })
  for (let i = 0; i < 3; i++) {
    const v = c.tick()
    t.ok(isValidHlc(v), `tick ${i} stays valid: ${formatHlc(v)}`)
  }
  t.ok(c.current().wall <= MAX_HLC_WALL && c.current().counter <= MAX_HLC_COUNTER, 'saved clock stays loadable')
  const d = new HlcClock('n', () => 1_000)
  d.observe({ wall: MAX_HLC_WALL + 5, counter: MAX_HLC_COUNTER + 5 })
  t.same(d.current(), { wall: MAX_HLC_WALL, counter: MAX_HLC_COUNTER }, 'an out-of-range version is clamped')
  const e = new HlcClock('n', () => 1_000, { wall: MAX_HLC_WALL + 1, counter: -3 })
  t.same(e.current(), { wall: MAX_HLC_WALL, counter: 0 }, 'a restored clock is clamped too')
})
