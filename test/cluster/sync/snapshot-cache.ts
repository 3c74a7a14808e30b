import t from 'tap'
import { SnapshotEngine } from '../../../src/cluster/sync/snapshot-engine.js'
import { rec } from '../../helpers/cluster-node.js'
import { engineContext } from '../../helpers/engine-context.js'

t.test('records_full copies the records once per record generation, not per message', async (t) => {
  const { cx } = await engineContext(t, { records: [rec('a.example', '192.0.2.1')] })
  const engine = new SnapshotEngine(cx)
  const one = engine.buildSnapshot(1)
  const two = engine.buildSnapshot(2)
  t.equal(two.records, one.records, 'the same list: the same copy')
  t.equal(two.seq, 2)
  await cx.store.replaceAll([rec('b.example', '192.0.2.2')], 'local')
  const three = engine.buildSnapshot(3)
  t.not(three.records, one.records, 'a new list: a new copy')
  t.match(three.records, [{ name: 'b.example' }])
})
