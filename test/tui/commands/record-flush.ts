import t from 'tap'
import { executeCommand } from '../../../src/tui/commands/execute.js'
import { INITIAL_STATE } from '../../../src/tui/commands/types.js'
import { renderBlocks } from '../../../src/tui/format.js'
import { fakeClient, type FakeHandler } from '../../helpers/fake-daemon-client.js'

async function run(line: string, routes: Record<string, FakeHandler> = {}) {
  const client = fakeClient(routes)
  const result = await executeCommand(line, INITIAL_STATE, client, { now: () => 0 })
  return { result, client, text: renderBlocks(result.output) }
}

t.test('record flush posts to /api/v1/records/flush and shows the answer', async (t) => {
  const w = await run('record flush', { 'POST /api/v1/records/flush': { status: 'records file written', records: 3 } })
  t.same(w.client.calls.map((c) => `${c.method} ${c.path}`), ['POST /api/v1/records/flush'])
  t.match(w.text, /records file written \(3 records\)/)
  t.equal(w.result.ok, true)
  const cur = await run('record flush', { 'POST /api/v1/records/flush': { status: 'records file already current' } })
  t.match(cur.text, /records file already current/)
  t.notMatch(cur.text, /records\)/)
  const bare = await run('record flush', { 'POST /api/v1/records/flush': {} })
  t.match(bare.text, /records file written/)
  const bad = await run('record flush now')
  t.equal(bad.result.ok, false)
  t.same(bad.client.calls, [], 'a bad argument calls nothing')
})
