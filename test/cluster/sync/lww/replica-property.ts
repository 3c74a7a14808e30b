/**
 * Property tests for record_lww convergence (issue 7), on the simulator in
 * test/helpers/replica-sim.ts. Fixed seed; DNSPLANE_FUZZ_RUNS raises the number of runs.
 */
import fc from 'fast-check'
import t from 'tap'
import { ReplicaSim, type SimOp } from '../../../helpers/replica-sim.js'

const SEED = 20_250_107
const RUNS = Number(process.env.DNSPLANE_FUZZ_RUNS ?? 0) || 400

const node = fc.nat({ max: 7 })
const pick = fc.nat({ max: 1000 })
const ttl = fc.constantFrom(60, 300, 3600)

const localOp: fc.Arbitrary<SimOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), node, name: fc.nat(2), value: fc.nat(2), withId: fc.boolean(), ttl }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('update' as const), node, pick, change: fc.constantFrom('value' as const, 'ttl' as const), value: fc.nat(2), ttl }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), node, pick }) },
)

const netOp: fc.Arbitrary<SimOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('deliver' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('partition' as const), groups: fc.array(fc.nat(2), { minLength: 1, maxLength: 5 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'heal' as const }) },
  // Wall clocks jump either way, up to 5 s back: HLC versions must still order writes.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('clock' as const), node, deltaMs: fc.integer({ min: -5000, max: 3000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('anti_entropy' as const), a: node, b: node }) },
)

const scenario = fc.record({
  nodes: fc.integer({ min: 2, max: 5 }),
  buckets: fc.constantFrom(1, 4, 16, 1024),
  skewMs: fc.array(fc.integer({ min: -10_000, max: 10_000 }), { maxLength: 5 }),
  ops: fc.array(fc.oneof({ weight: 1, arbitrary: localOp }, { weight: 2, arbitrary: netOp }), { minLength: 10, maxLength: 80, size: 'max' }),
})

type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never

function simulate(s: Scenario): ReplicaSim {
  const sim = new ReplicaSim({ nodes: s.nodes, buckets: s.buckets, skewMs: s.skewMs })
  sim.run(s.ops)
  return sim
}

const params = { seed: SEED, numRuns: RUNS }

t.test('record_lww: after any writes and network chaos, healing makes every node identical and keeps the highest version of every record', async (t) => {
  let runs = 0
  let writes = 0
  fc.assert(
    fc.property(scenario, (s) => {
      const sim = simulate(s)
      const rounds = sim.healAndSettle()
      if (rounds > 5) throw new Error(`digests still differ after 5 all-pairs rounds\n${sim.log.join('\n')}`)
      const problems = sim.convergenceProblems()
      if (problems.length > 0) throw new Error(problems.join('\n'))
      // Late copies of old deltas change nothing once converged.
      sim.drain()
      const after = sim.convergenceProblems()
      if (after.length > 0) throw new Error('after draining stale messages:\n' + after.join('\n'))
      runs++
      writes += sim.truth.size
    }),
    params,
  )
  t.equal(runs, RUNS)
  t.ok(writes > 3 * RUNS, `the scenarios wrote records (${writes} keys over ${runs} runs)`)
})

t.test('record_lww: with every message delivered, nodes converge without anti-entropy', async (t) => {
  fc.assert(
    fc.property(
      scenario.map((s) => ({ ...s, ops: s.ops.filter((o) => o.kind !== 'drop' && o.kind !== 'partition' && o.kind !== 'anti_entropy') })),
      (s) => {
        const sim = simulate(s)
        sim.drain()
        const problems = sim.convergenceProblems()
        if (problems.length > 0) throw new Error(problems.join('\n'))
      },
    ),
    params,
  )
  t.pass('converged by deltas alone')
})


t.test('record_lww: after healing, every node serves exactly its replica view', async (t) => {
  // Shrunk counterexample fast-check found at run 2655 of this seed, kept as a fixed example.
  const found: Scenario = {
    nodes: 2,
    buckets: 1,
    skewMs: [0, -1],
    ops: [
      { kind: 'add', node: 0, name: 1, value: 1, withId: true, ttl: 60 },
      { kind: 'add', node: 7, name: 1, value: 1, withId: false, ttl: 60 },
      { kind: 'deliver', pick: 0 },
      { kind: 'update', node: 0, pick: 0, change: 'value', value: 0, ttl: 60 },
      { kind: 'partition', groups: [0, 1] },
      { kind: 'deliver', pick: 0 },
      { kind: 'add', node: 3, name: 0, value: 0, withId: false, ttl: 60 },
      { kind: 'deliver', pick: 0 },
      { kind: 'update', node: 7, pick: 0, change: 'value', value: 0, ttl: 60 },
      { kind: 'partition', groups: [0] },
    ],
  }
  fc.assert(
    fc.property(scenario, (s) => {
      const sim = simulate(s)
      sim.healAndSettle()
      sim.drain()
      const problems = sim.storeProblems()
      if (problems.length > 0) throw new Error(problems.join('\n') + '\n' + sim.log.join('\n'))
    }),
    { ...params, examples: [[found]] },
  )
  t.pass()
})

t.test('record_lww: concurrent copies of one record, then an update of the visible copy, leave all stores equal', async (t) => {
  const sim = new ReplicaSim({ nodes: 2, skewMs: [0, -1] })
  sim.step({ kind: 'add', node: 0, name: 1, value: 1, withId: true, ttl: 60 })
  sim.step({ kind: 'add', node: 1, name: 1, value: 1, withId: false, ttl: 60 })
  sim.drain()
  t.equal(sim.servedSets()[0], sim.servedSets()[1], 'both serve the higher copy')
  sim.step({ kind: 'update', node: 0, pick: 0, change: 'value', value: 0, ttl: 60 })
  sim.drain()
  sim.healAndSettle()
  t.same(sim.convergenceProblems(), [], 'replicas agree')
  t.equal(sim.servedSets()[0], sim.servedSets()[1], 'stores agree')
  t.same(sim.storeProblems(), [])
})

/** Concurrent adds of different records, one per node, then the deltas or snapshots delivered in any order. */
const concurrentAdds = fc.record({
  // At most 3: the simulator has 3 distinct values, so more nodes would write duplicates.
  nodes: fc.integer({ min: 2, max: 3 }),
  order: fc.array(fc.nat(1000), { minLength: 12, maxLength: 12 }),
})

function concurrentScenario(mode: 'record_lww' | 'lww_per_node', c: { nodes: number; order: number[] }): ReplicaSim {
  const sim = new ReplicaSim({ nodes: c.nodes, mode })
  // Node i adds the record name i / value i: all different records, written before any delivery.
  for (let i = 0; i < c.nodes; i++) sim.step({ kind: 'add', node: i, name: i, value: i, withId: true, ttl: 300 })
  for (const p of c.order) sim.step({ kind: 'deliver', pick: p })
  sim.drain()
  return sim
}

function allRecordsEverywhere(sim: ReplicaSim): boolean {
  return sim.nodes.every((n) => n.served.length === sim.nodes.length)
}

t.test('lww_per_node loses concurrent writes of different records; record_lww keeps them all', async (t) => {
  t.test('fixed scenario: node A adds a, node B adds b, both snapshots/deltas cross', async (t) => {
    for (const mode of ['lww_per_node', 'record_lww'] as const) {
      const sim = new ReplicaSim({ nodes: 2, mode })
      sim.step({ kind: 'add', node: 0, name: 0, value: 0, withId: true, ttl: 300 })
      sim.step({ kind: 'add', node: 1, name: 1, value: 1, withId: true, ttl: 300 })
      t.equal(sim.pending.length, 2, `${mode}: one message each way`)
      sim.drain()
      const sets = sim.servedSets()
      if (mode === 'lww_per_node') {
        t.notOk(allRecordsEverywhere(sim), `${mode}: some node lacks a or b: ${sets.join(' / ')}`)
        t.not(sets[0], sets[1], `${mode}: the nodes do not even agree`)
      } else {
        t.ok(allRecordsEverywhere(sim), `${mode}: both nodes serve a and b`)
        t.equal(sets[0], sets[1])
        t.same(sim.convergenceProblems(), [])
      }
    }
  })

  t.test('fast-check finds a delivery order where lww_per_node drops a record', async (t) => {
    const result = fc.check(
      fc.property(concurrentAdds, (c) => allRecordsEverywhere(concurrentScenario('lww_per_node', c))),
      params,
    )
    t.ok(result.failed, 'a counterexample exists')
    if (result.failed) t.comment(`lww_per_node counterexample: ${fc.stringify(result.counterexample)}`)
  })

  t.test('lww_per_node still loses a record after its full-snapshot heal', async (t) => {
    const result = fc.check(
      fc.property(concurrentAdds, (c) => {
        const sim = concurrentScenario('lww_per_node', c)
        sim.healAndSettle()
        return allRecordsEverywhere(sim)
      }),
      params,
    )
    t.ok(result.failed, 'a counterexample exists')
  })

  t.test('record_lww keeps every record on every node in every delivery order', async (t) => {
    fc.assert(
      fc.property(concurrentAdds, (c) => {
        const sim = concurrentScenario('record_lww', c)
        return allRecordsEverywhere(sim) && sim.convergenceProblems().length === 0
      }),
      params,
    )
    t.pass()
  })
})
