import { pino } from 'pino'
import t from 'tap'
import { HlcClock } from '../../../src/cluster/sync/lww/hlc.js'
import { ReplicaState, type VersionedEntry } from '../../../src/cluster/sync/lww/replica.js'
import { LwwEngine, type ReplicaPort } from '../../../src/cluster/sync/lww-engine.js'
import { emptyPending } from '../../../src/cluster/peers/outbox.js'
import { CAP_RECORD_LWW } from '../../../src/cluster/wire/messages.js'
import { engineContext, fakeSession } from '../../helpers/engine-context.js'

function fakeReplica(): ReplicaPort & { applied: VersionedEntry[][] } {
  const applied: VersionedEntry[][] = []
  return {
    applied,
    state: new ReplicaState([]),
    clock: new HlcClock('node-a', () => 1_000),
    start() {},
    stop: async () => {},
    onLocalEntries: () => () => {},
    applyRemote: async (entries) => {
      applied.push([...entries])
      return [...entries]
    },
    collectTombstones: async () => 0,
  }
}

const from = (credits: Array<[string, boolean]>) => ({ remoteAddress: '10.0.0.2:5000', log: pino({ level: 'silent' }), credit: (id: string, synced: boolean) => void credits.push([id, synced]) })
const tomb = (key: string, wall: number): VersionedEntry => ({ key, version: { wall, counter: 0, node: 'node-b' } })

t.test('record_lww announces its capability and always runs anti-entropy rounds', async (t) => {
  const { cx } = await engineContext(t)
  const engine = new LwwEngine(cx, async () => fakeReplica())
  t.same(engine.caps(), [CAP_RECORD_LWW])
  t.equal(engine.pullIntervalSeconds(0), 60, 'the default round when no interval is configured')
  t.equal(engine.pullIntervalSeconds(15), 15)
  t.equal(engine.status().replica, undefined, 'no replica before open')
  await engine.open()
  t.match(engine.status().replica, { entries: 0, deltasApplied: 0, antiEntropyRounds: 0 })
})

t.test('a delta is merged and acknowledged with the number of winners; the sender is credited', async (t) => {
  const { cx, events } = await engineContext(t)
  const replica = fakeReplica()
  const engine = new LwwEngine(cx, async () => replica)
  await engine.open()
  const credits: Array<[string, boolean]> = []
  const s = fakeSession([])
  const message = { type: 'delta' as const, node_id: 'node-b', batch: 7, entries: [tomb('k1', 500)] }
  await engine.serve({ kind: 'apply_delta', message }, s.ch as never, from(credits))
  t.same(s.sent, [{ type: 'delta_ack', batch: 7, applied: 1 }])
  t.same(replica.applied, [[tomb('k1', 500)]])
  t.same(credits, [['node-b', true]])
  t.match(events, [{ kind: 'delta_applied', from: 'node-b', entries: 1, won: 1 }])
})

t.test('a delta on a read-only source is refused with an error frame (no ack: the sender retries)', async (t) => {
  const { cx } = await engineContext(t, { readOnlySource: true })
  const replica = fakeReplica()
  const engine = new LwwEngine(cx, async () => replica)
  await engine.open()
  const s = fakeSession([])
  await engine.serve({ kind: 'apply_delta', message: { type: 'delta', node_id: 'b', batch: 1, entries: [tomb('k', 1)] } }, s.ch as never, from([]))
  t.match(s.sent, [{ type: 'error', message: /read-only/ }])
  t.same(replica.applied, [])
})

t.test('a peer without record_lww gets the snapshot path; a record_lww peer gets the queued entries as a delta', async (t) => {
  const { cx } = await engineContext(t)
  const engine = new LwwEngine(cx, async () => fakeReplica())
  await engine.open()
  const legacy = fakeSession([])
  const p1 = { ...emptyPending(), snapshot: { type: 'records_full' as const, node_id: 'node-a', seq: 1, timestamp_unix: 1, records: null } }
  p1.entries.set('k', tomb('k', 1))
  await engine.deliver('go:1', legacy.session, p1)
  t.same(legacy.sent.map((m) => m.type), ['records_full'])
  t.equal(cx.tracker.get('go:1').syncMode, 'records_full')

  const lww = fakeSession([CAP_RECORD_LWW], (m) => (m.type === 'delta' ? { type: 'delta_ack', batch: m.batch, applied: 1 } : undefined))
  const p2 = { ...emptyPending(), snapshot: p1.snapshot }
  p2.entries.set('k', tomb('k', 2))
  await engine.deliver('b:1', lww.session, p2)
  t.same(lww.sent.map((m) => m.type), ['delta'], 'no snapshot to a record_lww peer')
  t.equal(p2.entries.size, 0, 'acknowledged entries leave the queue')
  t.equal(p2.snapshot, undefined)
  t.equal(cx.tracker.get('b:1').syncMode, 'record_lww')
})
