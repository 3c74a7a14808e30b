import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import t from 'tap'
import { NodeState } from '../../src/cluster/node-state.js'

async function fresh(t: { teardown: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'node-state-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'cluster_state.json')
  const state = new NodeState(path, pino({ level: 'silent' }))
  await state.load('node-a', (n) => Buffer.alloc(n, 1))
  return { state, path }
}

const onDisk = async (path: string) => JSON.parse(await readFile(path, 'utf8'))

t.test('load creates the file with the configured node id; nextLocalSeq is saved before it returns', async (t) => {
  const { state, path } = await fresh(t)
  t.equal(state.nodeId, 'node-a')
  t.equal(await state.nextLocalSeq(), 1)
  t.equal(await state.nextLocalSeq(), 2)
  t.equal((await onDisk(path)).local_seq, 2)
})

t.test('a noted challenge peer is known by address or node id, and persisted', async (t) => {
  const { state, path } = await fresh(t)
  t.equal(state.isChallengePeer('b:1', 'node-b'), false)
  state.noteChallengePeer('b:1', 'node-b')
  t.equal(state.isChallengePeer('b:1', undefined), true)
  t.equal(state.isChallengePeer('c:1', 'node-b'), true)
  await state.settle()
  t.same((await onDisk(path)).challenge_peers, { addresses: ['b:1'], node_ids: ['node-b'] })
  state.noteChallengePeer('b:1', 'node-b')
  await state.settle()
})
