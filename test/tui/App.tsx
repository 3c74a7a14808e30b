import t, { type Test } from 'tap'
import { render } from 'ink-testing-library'
import { App } from '../../src/tui/App.js'
import { apiError, fakeClient, type FakeDaemonClient } from '../helpers/fake-daemon-client.js'

const ENTER = '\r'
const TAB = '\t'
const UP = '\u001B[A'

const RECORDS = {
  records: [
    { name: 'www.example.com', type: 'A', value: '192.0.2.1', ttl: 3600 },
    { name: 'mail.example.com', type: 'A', value: '192.0.2.25', ttl: 3600 },
  ],
  detailed: false,
}

/** Polls until `check` passes, at most ~2 s (bounded wait; no timing assertion). */
async function until(frame: () => string | undefined, check: (f: string) => boolean): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const f = frame() ?? ''
    if (check(f)) return f
    await new Promise((r) => setTimeout(r, 10))
  }
  return frame() ?? ''
}

async function type(stdin: { write: (s: string) => void }, text: string): Promise<void> {
  // One write per key, as a terminal sends them; let React commit between keys.
  for (const ch of text) {
    stdin.write(ch)
    await new Promise((r) => setImmediate(r))
  }
}

function setup(t: Test, client: FakeDaemonClient, history: string[] = []) {
  const saved: string[][] = []
  const r = render(<App client={client} initialHistory={history} onHistoryChange={(h) => saved.push(h)} now={() => 0} livePollMs={20} banner={[{ kind: 'text', text: 'connected to test' }]} />)
  t.teardown(() => r.unmount())
  return { ...r, saved }
}

t.test('typing a context enters it and the prompt shows it', async (t) => {
  const { stdin, lastFrame } = setup(t, fakeClient({ 'GET /dns/records': RECORDS }))
  t.match(await until(lastFrame, (f) => f.includes('dnsplane>')), 'connected to test')
  await type(stdin, 'record')
  stdin.write(ENTER)
  t.match(await until(lastFrame, (f) => f.includes('dnsplane> record>')), 'dnsplane> record>')
})

t.test('running a command draws a table', async (t) => {
  const client = fakeClient({ 'GET /dns/records': RECORDS })
  const { stdin, lastFrame, saved } = setup(t, client)
  await type(stdin, 'record list')
  stdin.write(ENTER)
  const f = await until(lastFrame, (x) => x.includes('mail.example.com') && x.includes('TTL'))
  t.match(f, /Name\s+Type\s+Value\s+TTL/)
  t.match(f, /www\.example\.com\s+A\s+192\.0\.2\.1\s+3600/)
  t.same(saved.at(-1), ['record list'], 'history handed to the caller for saving')
})

t.test('errors are shown', async (t) => {
  const client = fakeClient({ 'GET /dns/records': RECORDS, 'POST /dns/records': apiError(400, 'invalid arguments', ['value: not an IPv4 address']) })
  const { stdin, lastFrame } = setup(t, client)
  await type(stdin, 'record add a.example A 999.0.0.1')
  stdin.write(ENTER)
  const f = await until(lastFrame, (x) => x.includes('error:'))
  t.match(f, 'error: invalid arguments (HTTP 400)')
  t.match(f, 'value: not an IPv4 address')
})

t.test('up arrow recalls the previous line', async (t) => {
  const { stdin, lastFrame } = setup(t, fakeClient({ 'GET /dns/records': RECORDS }), ['cache list', 'dns list'])
  await until(lastFrame, (f) => f.includes('dnsplane>'))
  stdin.write(UP)
  t.match(await until(lastFrame, (f) => f.includes('dnsplane> dns list')), 'dnsplane> dns list')
  stdin.write(UP)
  t.match(await until(lastFrame, (f) => f.includes('dnsplane> cache list')), 'dnsplane> cache list')
})

t.test('tab completes commands and record names from the daemon', async (t) => {
  const client = fakeClient({ 'GET /dns/records': RECORDS })
  const { stdin, lastFrame } = setup(t, client)
  await until(() => String(client.calls.length), (n) => n !== '0')
  await type(stdin, 'rec')
  stdin.write(TAB)
  // Frames are right-trimmed, so the space completion adds is checked by typing straight after it.
  t.match(await until(lastFrame, (f) => /dnsplane> record\s*$/m.test(f)), /dnsplane> record\s*$/m)
  await type(stdin, 'rem')
  stdin.write(TAB)
  await until(lastFrame, (f) => f.includes('dnsplane> record remove'))
  await type(stdin, 'ma')
  stdin.write(TAB)
  t.match(await until(lastFrame, (f) => f.includes('mail.example.com')), 'dnsplane> record remove mail.example.com')
})

t.test('stats shows the live view until a key is pressed', async (t) => {
  let n = 0
  const client = fakeClient({
    'GET /dns/records': RECORDS,
    'GET /stats': () => {
      n += 10
      return { session: { resolver: { total_queries: n, total_cache_hits: n / 2, total_blocks: 0, total_queries_forwarded: 0, total_queries_answered: n, server_start_time: '1970-01-01T00:00:00Z' } } }
    },
  })
  const { stdin, lastFrame } = setup(t, client)
  await type(stdin, 'stats')
  stdin.write(ENTER)
  const f = await until(lastFrame, (x) => x.includes('press any key'))
  t.match(f, /Total queries\s+10/)
  t.match(await until(lastFrame, (x) => /[▁▂▃▄▅▆▇█]/.test(x)), /queries\/s/)
  stdin.write('x')
  t.match(await until(lastFrame, (x) => !x.includes('press any key')), /dnsplane>\s*$/)
})

t.test('exit leaves the app', async (t) => {
  const { stdin, lastFrame } = setup(t, fakeClient({ 'GET /dns/records': RECORDS }))
  await type(stdin, 'exit')
  stdin.write(ENTER)
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
  const before = lastFrame()
  await type(stdin, 'more')
  t.equal(lastFrame(), before, 'input after exit is no longer drawn')
})
