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

const HELD = {
  source: 'file', removed: 45, total: 50, proposed_total: 5, percent: 50, held_at: '2026-01-01T00:00:00.000Z',
  removed_sample: ['r6.lab.test A 192.0.2.6', 'r7.lab.test A 192.0.2.7'],
}

t.test('record mass-delete shows the held change, or that none is held', async (t) => {
  const held = await run('record mass-delete', { 'GET /api/v1/records/mass-delete': { held: HELD } })
  t.match(held.text, /a file change would delete 45 of 50 records \(guard 50 %\), leaving 5/)
  t.match(held.text, /would delete: r6\.lab\.test A 192\.0\.2\.6, r7\.lab\.test A 192\.0\.2\.7 and 43 more/)
  t.match(held.text, /record mass-delete confirm/)
  const none = await run('record mass-delete', { 'GET /api/v1/records/mass-delete': { held: null } })
  t.match(none.text, /no mass delete is held back/)
})

t.test('record mass-delete confirm|discard post to the API and refresh records', async (t) => {
  const c = await run('record mass-delete confirm', {
    'POST /api/v1/records/mass-delete/confirm': { status: 'mass delete applied', removed: 45, records: 5 },
  })
  t.equal(c.client.calls[0].path, '/api/v1/records/mass-delete/confirm')
  t.match(c.text, /mass delete applied: 45 deleted, 5 records/)
  t.equal(c.result.effect, 'records-changed')
  const d = await run('record mass-delete discard', { 'POST /api/v1/records/mass-delete/discard': { status: 'mass delete discarded', records: 50 } })
  t.match(d.text, /mass delete discarded/)
  const bad = await run('record mass-delete now')
  t.equal(bad.result.ok, false)
  t.same(bad.client.calls, [], 'a bad argument calls nothing')
})
