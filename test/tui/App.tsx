import t, { type Test } from 'tap'
import { render } from 'ink-testing-library'
import { App } from '../../src/tui/App.js'
import { apiError, fakeClient, type FakeDaemonClient } from '../helpers/fake-daemon-client.js'
import { until } from '../helpers/until.js'

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

const CTRL_C = '\u0003'
const CTRL_D = '\u0004'
const CTRL_L = '\u000C'
const CTRL_R = '\u0012'
const ESC = '\u001B'

const settle = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
}

t.test('Ctrl-C cancels a running command (its request is aborted) and the app keeps running', async (t) => {
  let seen: AbortSignal | undefined
  const client = fakeClient({
    'GET /dns/records': RECORDS,
    'GET /cache': (req: { signal?: AbortSignal }) => {
      seen = req.signal
      return new Promise(() => {}) // never answers
    },
  })
  const { stdin, lastFrame } = setup(t, client)
  await type(stdin, 'cache list')
  stdin.write(ENTER)
  await until(lastFrame, (f) => f.includes('Ctrl-C cancels'))
  stdin.write(CTRL_C)
  const f = await until(lastFrame, (x) => x.includes('^C cancelled') && /dnsplane>\s*$/m.test(x))
  t.match(f, '^C cancelled')
  t.equal(seen?.aborted, true, 'the request was aborted')
  await type(stdin, 'stats')
  t.match(await until(lastFrame, (x) => x.includes('dnsplane> stats')), 'dnsplane> stats', 'still accepting input')
})

t.test('Ctrl-C clears a typed line; on an empty line it warns, and a second press quits', async (t) => {
  const { stdin, lastFrame } = setup(t, fakeClient({ 'GET /dns/records': RECORDS }))
  await type(stdin, 'record li')
  stdin.write(CTRL_C)
  let f = await until(lastFrame, (x) => /dnsplane>\s*$/m.test(x))
  t.notMatch(f, 'record li')
  t.notMatch(f, 'Ctrl-C again', 'clearing a line does not arm quitting')
  stdin.write(CTRL_C)
  f = await until(lastFrame, (x) => x.includes('Ctrl-C again'))
  t.match(f, '(press Ctrl-C again or Ctrl-D to quit)')
  await type(stdin, 'x')
  t.notMatch(await until(lastFrame, (x) => !x.includes('Ctrl-C again')), 'Ctrl-C again', 'any other key disarms it')
  stdin.write(CTRL_C) // clears the "x"
  await until(lastFrame, (x) => /dnsplane>\s*$/m.test(x))
  stdin.write(CTRL_C)
  t.match(await until(lastFrame, (x) => x.includes('Ctrl-C again')), 'Ctrl-C again')
  stdin.write(CTRL_C)
  await settle()
  const before = lastFrame()
  await type(stdin, 'more')
  t.equal(lastFrame(), before, 'the second Ctrl-C quit')
})

t.test('Ctrl-D on an empty line quits', async (t) => {
  const { stdin, lastFrame } = setup(t, fakeClient({ 'GET /dns/records': RECORDS }))
  await until(lastFrame, (f) => f.includes('dnsplane>'))
  stdin.write(CTRL_D)
  await settle()
  const before = lastFrame()
  await type(stdin, 'more')
  t.equal(lastFrame(), before)
})

t.test('Ctrl-L and clear clear the screen', async (t) => {
  const { stdin, lastFrame, stdout } = setup(t, fakeClient({ 'GET /dns/records': RECORDS }))
  await until(lastFrame, (f) => f.includes('dnsplane>'))
  const cleared = () => stdout.frames.filter((f) => f.includes('\u001b[2J')).length
  stdin.write(CTRL_L)
  await until(() => String(cleared()), (n) => n === '1')
  t.equal(cleared(), 1)
  await type(stdin, 'clear')
  stdin.write(ENTER)
  await until(() => String(cleared()), (n) => n === '2')
  t.equal(cleared(), 2)
})

t.test('Ctrl-R searches the history; Enter runs the match', async (t) => {
  const client = fakeClient({ 'GET /dns/records': RECORDS, 'GET /cache': { cache: [] } })
  const { stdin, lastFrame } = setup(t, client, ['cache list', 'dns list', 'record list'])
  await until(lastFrame, (f) => f.includes('dnsplane>'))
  stdin.write(CTRL_R)
  await type(stdin, 'cac')
  t.match(await until(lastFrame, (f) => f.includes("'cac': cache list")), "(reverse-i-search)'cac': cache list")
  stdin.write(ENTER)
  t.match(await until(lastFrame, (f) => f.includes('cache is empty')), 'cache is empty')
  stdin.write(CTRL_R)
  await type(stdin, 'zz')
  t.match(await until(lastFrame, (f) => f.includes('failed reverse')), "(failed reverse-i-search)'zz':")
  stdin.write(ESC)
  t.match(await until(lastFrame, (f) => /dnsplane>\s*$/m.test(f)), /dnsplane>\s*$/m, 'Esc gives back the empty line')
})

t.test('Tab works when it arrives in the same input chunk as the text', async (t) => {
  const client = fakeClient({ 'GET /dns/records': RECORDS })
  const { stdin, lastFrame } = setup(t, client)
  await until(lastFrame, (f) => f.includes('dnsplane>'))
  stdin.write('rec\tli\t')
  t.match(await until(lastFrame, (f) => f.includes('dnsplane> record list')), 'dnsplane> record list')
  stdin.write('\r')
  t.match(await until(lastFrame, (f) => f.includes('mail.example.com')), /www\.example\.com\s+A/)
  stdin.write('cluster st\tx\r')
  t.match(await until(lastFrame, (f) => f.includes('takes no arguments')), 'takes no arguments', 'Tab, text and Enter in one chunk run in order')
})

t.test('history is saved fully qualified, so it replays from the top level', async (t) => {
  const { stdin, lastFrame, saved } = setup(t, fakeClient({ 'GET /dns/records': RECORDS }))
  await type(stdin, 'record')
  stdin.write(ENTER)
  await until(lastFrame, (f) => f.includes('record>'))
  await type(stdin, 'list')
  stdin.write(ENTER)
  await until(lastFrame, (f) => f.includes('mail.example.com'))
  t.same(saved.at(-1), ['record', 'record list'])
})

t.test('Tab completes peer addresses fetched from the daemon', async (t) => {
  const client = fakeClient({ 'GET /dns/records': RECORDS, 'GET /api/v1/cluster': { status: { enabled: true, peers: [{ address: '10.0.0.2:7946' }] } } })
  const { stdin, lastFrame } = setup(t, client)
  await until(() => String(client.calls.filter((c) => c.path === '/api/v1/cluster').length), (n) => n === '1')
  await type(stdin, 'cluster peer remove 10')
  stdin.write(TAB)
  t.match(await until(lastFrame, (f) => f.includes('10.0.0.2:7946')), 'dnsplane> cluster peer remove 10.0.0.2:7946')
})
