import { pino } from 'pino'
import t from 'tap'
import { NOT_LWW_MESSAGE, SnapshotEngine } from '../../../src/cluster/sync/snapshot-engine.js'
import { emptyPending } from '../../../src/cluster/peers/outbox.js'
import { rec } from '../../helpers/cluster-node.js'
import { engineContext, fakeSession } from '../../helpers/engine-context.js'

const from = (credits: Array<[string, boolean]>) => ({ remoteAddress: '10.0.0.2:5000', log: pino({ level: 'silent' }), credit: (id: string, synced: boolean) => void credits.push([id, synced]) })

t.test('a delta or a digest is answered with an error frame: record_lww is not enabled here', async (t) => {
  const { cx } = await engineContext(t)
  const engine = new SnapshotEngine(cx)
  for (const request of [
    { kind: 'apply_delta' as const, message: { type: 'delta' as const, node_id: 'b', batch: 1, entries: [] } },
    { kind: 'anti_entropy' as const, message: { type: 'digest' as const, node_id: 'b', buckets: ['0000000000000000'], entries: 0 } },
  ]) {
    const s = fakeSession([])
    await engine.serve(request, s.ch as never, from([]))
    t.same(s.sent, [{ type: 'error', message: NOT_LWW_MESSAGE }], request.kind)
  }
  t.equal(engine.caps().length, 0)
  t.equal(engine.pullIntervalSeconds(0), 0, 'no pull rounds unless configured')
  t.equal(engine.pullIntervalSeconds(30), 30)
})

t.test('a pull request is answered with our records under the saved local_seq', async (t) => {
  const r = rec('a.example', '192.0.2.1')
  const { cx, events } = await engineContext(t, { records: [r] })
  await cx.state.nextLocalSeq()
  const s = fakeSession([])
  await new SnapshotEngine(cx).serve({ kind: 'send_snapshot' }, s.ch as never, from([]))
  t.match(s.sent, [{ type: 'records_full', node_id: 'node-a', seq: 1, timestamp_unix: 1_700_000_000, records: [r] }])
  t.match(events, [{ kind: 'snapshot_sent', via: 'pull_response', seq: 1, records: 1 }])
})

t.test('a manual push bumps and saves local_seq and carries a snapshot plus an anti-entropy request', async (t) => {
  const { cx } = await engineContext(t)
  const p = await new SnapshotEngine(cx).preparePush()
  t.equal(cx.state.current.local_seq, 1)
  t.match(p, { antiEntropy: true, snapshot: { type: 'records_full', seq: 1, records: null } })
})

t.test('delivery sends the pending snapshot once and drops record_lww parts', async (t) => {
  const { cx, events } = await engineContext(t)
  const engine = new SnapshotEngine(cx)
  const p = { ...emptyPending(), snapshot: engine.buildSnapshot(3), antiEntropy: true }
  p.entries.set('k', { key: 'k', version: { wall: 1, counter: 0, node: 'x' } })
  const s = fakeSession([])
  await engine.deliver('b:1', s.session, p)
  t.same(s.sent.map((m) => m.type), ['records_full'])
  t.equal(p.snapshot, undefined)
  t.equal(p.entries.size, 0)
  t.equal(p.antiEntropy, false)
  t.equal(cx.tracker.get('b:1').syncMode, 'records_full')
  t.match(events, [{ kind: 'snapshot_sent', peer: 'b:1', seq: 3, via: 'push' }])
})

t.test('a pull applies the peer\'s snapshot; a second pull of the same seq is a duplicate (still a sync)', async (t) => {
  const r = rec('peer.example', '192.0.2.9')
  const { cx, records, events } = await engineContext(t)
  const engine = new SnapshotEngine(cx)
  const answer = () => ({ type: 'records_full' as const, node_id: 'node-b', seq: 4, timestamp_unix: 1, records: [r] })
  const first = fakeSession([], answer)
  t.equal(await engine.pull('b:1', first.session), true)
  t.ok(first.isClosed(), 'the session is closed')
  t.same(records().map((x) => x.name), ['peer.example'])
  t.equal(cx.tracker.get('b:1').nodeId, 'node-b')
  t.equal(await engine.pull('b:1', fakeSession([], answer).session), true)
  t.match(events.map((e) => e.kind), ['snapshot_applied', 'snapshot_duplicate'])
  t.equal(engine.status().snapshotsApplied, 1)
})

t.test('a pull answered by anything but records_full fails and closes the session', async (t) => {
  const { cx } = await engineContext(t)
  const s = fakeSession([], () => ({ type: 'pong' }))
  await t.rejects(new SnapshotEngine(cx).pull('b:1', s.session), { code: 'ERR_MESSAGE_INVALID' })
  t.ok(s.isClosed())
})

t.test('a pushed snapshot on a read-only source is not applied, and the sender is credited without a sync', async (t) => {
  const { cx, events, records } = await engineContext(t, { readOnlySource: true })
  const credits: Array<[string, boolean]> = []
  const s = fakeSession([])
  const message = { type: 'records_full' as const, node_id: 'node-b', seq: 1, timestamp_unix: 1, records: [rec('x.example', '192.0.2.3')] }
  await new SnapshotEngine(cx).serve({ kind: 'apply_snapshot', message }, s.ch as never, from(credits))
  t.same(records(), [])
  t.same(credits, [['node-b', false]])
  t.match(events, [{ kind: 'snapshot_apply_failed', from: 'node-b', via: 'push' }])
})
