import t from 'tap'
import { runLines, runOnce } from '../../src/tui/run-once.js'
import { apiError, fakeClient } from '../helpers/fake-daemon-client.js'

function sinks() {
  const out = { stdout: '', stderr: '' }
  return { out, io: { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) } } }
}

const RECORDS = { records: [{ name: 'a.example', type: 'A', value: '192.0.2.1', ttl: 60 }], detailed: false }

t.test('prints a table and exits 0', async (t) => {
  const { out, io } = sinks()
  const code = await runOnce('record list', fakeClient({ 'GET /dns/records': RECORDS }), io)
  t.equal(code, 0)
  t.match(out.stdout, /Name\s+Type\s+Value\s+TTL\n[-\s]+\na\.example\s+A\s+192\.0\.2\.1\s+60/)
  t.equal(out.stderr, '')
})

t.test('--json prints the raw answer', async (t) => {
  const { out, io } = sinks()
  await runOnce('record list', fakeClient({ 'GET /dns/records': RECORDS }), io, { json: true })
  t.same(JSON.parse(out.stdout), RECORDS)
})

t.test('errors go to stderr and exit 1; --json also prints the error body', async (t) => {
  const { out, io } = sinks()
  const code = await runOnce('record add a.example A 1.2.3', fakeClient({ 'POST /dns/records': apiError(400, 'invalid arguments', ['bad ip']) }), io, { json: true })
  t.equal(code, 1)
  t.match(out.stderr, /error: invalid arguments \(HTTP 400\)\n {2}bad ip/)
  t.same(JSON.parse(out.stdout), { error: 'invalid arguments', messages: ['bad ip'] })
  const s2 = sinks()
  t.equal(await runOnce('nonsense', fakeClient(), s2.io), 1)
  t.match(s2.out.stderr, 'unknown command "nonsense"')
})

t.test('a script keeps context between lines, skips comments and reports any failure', async (t) => {
  const { out, io } = sinks()
  const client = fakeClient({ 'GET /dns/records': RECORDS, 'GET /cache': { cache: [] } })
  const code = await runLines(['# comment', 'record', 'list', 'bogus', '..', 'cache list', 'exit', 'never'], client, io)
  t.equal(code, 1)
  t.same(client.calls.map((c) => c.path), ['/dns/records', '/cache'])
  t.match(out.stderr, 'unknown command "bogus" in record')
})
