import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import t from 'tap'
import { readdirSync, readlinkSync } from 'node:fs'
import { createLogger, logFilePath, REDACTED, rollOptions, type LogSeverity } from '../src/log.js'

/** A stream that keeps every line written to it. */
function sink() {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''))
      cb()
    },
  })
  return { stream, lines, events: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) }
}

function logAll(log: ReturnType<typeof createLogger>) {
  log.debug('d')
  log.info('i')
  log.warn('w')
  log.error('e')
}

const levels: [LogSeverity, string[]][] = [
  ['debug', ['d', 'i', 'w', 'e']],
  ['info', ['i', 'w', 'e']],
  ['warn', ['w', 'e']],
  ['error', ['e']],
]
for (const [severity, want] of levels) {
  t.test(`severity ${severity} writes ${want.join(',')} to the destination`, async (t) => {
    const out = sink()
    logAll(createLogger({ severity, destination: out.stream }))
    t.same(out.events().map((e) => e.msg), want)
  })
}

t.test('one JSON object per line with level label, time and fields', async (t) => {
  const out = sink()
  createLogger({ severity: 'info', destination: out.stream }).child({ component: 'dns' }).info({ qname: 'a.b' }, 'query answered')
  t.equal(out.lines.length, 1)
  const e = out.events()[0]!
  t.equal(e.level, 'info')
  t.equal(e.msg, 'query answered')
  t.equal(e.component, 'dns')
  t.equal(e.qname, 'a.b')
  t.match(e.time, /^\d{4}-\d\d-\d\dT/)
})

t.test('severity none writes only warnings and errors, to stderr, and opens no file', async (t) => {
  const err = sink()
  const dir = t.testdir({})
  logAll(createLogger({ severity: 'none', destination: join(dir, 'x.log'), stderr: err.stream }))
  t.same(err.events().map((e) => e.msg), ['w', 'e'])
  t.throws(() => readFileSync(join(dir, 'x.log')))
})

t.test('a file destination gets the severity; stderr also gets warn and error', async (t) => {
  const err = sink()
  const dir = t.testdir({})
  const file = join(dir, 'sub', 'dnsserver.log')
  const log = createLogger({ severity: 'info', destination: file, stderr: err.stream })
  logAll(log)
  // The file is opened and written asynchronously: poll (bounded) until the three lines are there.
  let text = ''
  for (let i = 0; i < 300 && text.split('\n').length < 4; i++) {
    log.flush()
    await new Promise((r) => setTimeout(r, 10))
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      // not created yet
    }
  }
  const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { msg: string })
  t.same(lines.map((l) => l.msg), ['i', 'w', 'e'])
  t.same(err.events().map((e) => e.msg), ['w', 'e'])
})

const secrets: [string, Record<string, unknown>, string[]][] = [
  ['top-level token fields', { api_auth_token: 'S1', cluster_auth_token: 'S2', cluster_admin_token: 'S3', token: 'S4', admin_token: 'S5' }, ['S1', 'S2', 'S3', 'S4', 'S5']],
  ['a config object', { config: { api_auth_token: 'S1', cluster_admin_token: 'S2', port: '53' } }, ['S1', 'S2']],
  ['a cluster message', { msg_in: { type: 'auth', token: 'S1' }, admin: { admin_token: 'S2' } }, ['S1', 'S2']],
  ['request headers', { req: { headers: { authorization: 'Bearer S1', 'x-api-token': 'S2', host: 'h' } } }, ['S1', 'S2']],
]
for (const [name, obj, hidden] of secrets) {
  t.test(`redacts ${name}`, async (t) => {
    const out = sink()
    createLogger({ severity: 'info', destination: out.stream }).info(obj, 'event')
    const line = out.lines[0]!
    for (const s of hidden) t.notOk(line.includes(s), `${s} hidden`)
    t.ok(line.includes(REDACTED))
  })
}

t.test('keeps non-secret fields next to redacted ones', async (t) => {
  const out = sink()
  createLogger({ severity: 'info', destination: out.stream }).info({ config: { port: '53', api_auth_token: 'x' } }, 'e')
  t.same(out.events()[0]!.config, { port: '53', api_auth_token: REDACTED })
})

t.test('log files live in log_dir under the original names', async (t) => {
  t.equal(logFilePath('/var/log/dnsplane', 'dns'), '/var/log/dnsplane/dnsserver.log')
  t.equal(logFilePath('/l', 'api'), '/l/apiserver.log')
})

t.test('a component field equal to the logger\'s binding is written once; a different one as subcomponent', async (t) => {
  const out = sink()
  const log = createLogger({ severity: 'info', destination: out.stream, format: 'json' }).child({ component: 'cluster' })
  log.warn({ component: 'cluster', peer: 'a:1' }, 'same')
  log.warn({ component: 'tls' }, 'other')
  log.warn(new Error('boom'))
  log.info('plain')
  t.equal(out.lines[0].match(/"component"/g)?.length, 1, 'the key appears once in the line')
  t.match(out.events()[0], { component: 'cluster', peer: 'a:1', msg: 'same' })
  t.match(out.events()[1], { component: 'cluster', subcomponent: 'tls' })
  t.match(out.events()[2], { component: 'cluster', err: { message: 'boom' } })
  const root = sink()
  createLogger({ severity: 'info', destination: root.stream }).info({ component: 'api' }, 'root')
  t.match(root.events()[0], { component: 'api' }, 'a logger without a component binding keeps the field')
})

t.test('a child bound to the same component again writes it once; a nested different one is a subcomponent', async (t) => {
  const out = sink()
  const cluster = createLogger({ severity: 'info', destination: out.stream, format: 'json' }).child({ component: 'cluster' })
  cluster.child({ component: 'cluster' }).info('again')
  cluster.child({ component: 'cluster' }).child({ component: 'replica' }).info({ live: 0 }, 'replica loaded')
  t.equal(out.lines[0].match(/"component"/g)?.length, 1, 'the key appears once in the line')
  t.equal(out.lines[1].match(/"component"/g)?.length, 1)
  t.match(out.events()[1], { component: 'cluster', subcomponent: 'replica', live: 0, msg: 'replica loaded' })
})

t.test('console lines are pretty on a terminal (or when asked) and JSON otherwise', async (t) => {
  const tty = sink()
  ;(tty.stream as unknown as { isTTY: boolean }).isTTY = true
  createLogger({ severity: 'info', destination: tty.stream, color: false }).child({ component: 'dns' }).info({ port: 53 }, 'listening')
  t.match(tty.lines[0], /^\d\d:\d\d:\d\d\.\d{3} INFO  dns listening port=53$/)
  const forcedJson = sink()
  ;(forcedJson.stream as unknown as { isTTY: boolean }).isTTY = true
  createLogger({ severity: 'info', destination: forcedJson.stream, format: 'json' }).info('x')
  t.match(forcedJson.events()[0], { msg: 'x' })
  const pipe = sink()
  createLogger({ severity: 'info', destination: pipe.stream }).info('y')
  t.match(pipe.events()[0], { msg: 'y' }, 'not a TTY: JSON')
  const forced = sink()
  createLogger({ severity: 'info', destination: forced.stream, format: 'pretty' }).warn('z')
  t.match(forced.lines[0], /\u001b\[33mWARN \u001b\[0m z$/, 'coloured by default')
})

t.test('rollOptions maps log.log_rotation to pino-roll options', async (t) => {
  const f = '/var/log/dnsplane/dnsserver.log'
  t.equal(rollOptions(f, { mode: 'none', sizeMb: 100, timeDays: 7 }), undefined, 'none: one growing file')
  t.same(rollOptions(f, { mode: 'size', sizeMb: 100, timeDays: 7 }), { file: f, mkdir: true, symlink: true, size: '100m' })
  t.same(rollOptions(f, { mode: 'time', sizeMb: 100, timeDays: 7 }), { file: f, mkdir: true, symlink: true, frequency: 7 * 86_400_000 })
})

t.test('log_rotation size: the file rolls over past log_rotation_size_mb, current.log names the newest', async (t) => {
  const dir = t.testdir({})
  const file = join(dir, 'dnsserver.log')
  const log = createLogger({ severity: 'info', destination: file, stderr: sink().stream, rotation: { mode: 'size', sizeMb: 1, timeDays: 7 } })
  const pad = 'x'.repeat(2000)
  for (let i = 0; i < 700; i++) log.info({ i, pad }, 'fill') // about 1.4 MB
  // The transport writes in a worker thread: poll (bounded) until the second file exists.
  let names: string[] = []
  for (let i = 0; i < 500 && !names.includes('dnsserver.2.log'); i++) {
    log.flush()
    await new Promise((r) => setTimeout(r, 20))
    names = readdirSync(dir)
  }
  t.ok(names.includes('dnsserver.1.log') && names.includes('dnsserver.2.log'), `rolled: ${names.join(', ')}`)
  t.match(readlinkSync(join(dir, 'current.log')), /dnsserver\.2\.log$/)
  const first = readFileSync(join(dir, 'dnsserver.1.log'), 'utf8').trim().split('\n')
  t.ok(first.length > 0 && first.every((l) => (JSON.parse(l) as { msg: string }).msg === 'fill'), 'whole JSON lines in the rolled file')
})

t.test('the viewer token is redacted like the admin token', async (t) => {
  const out = sink()
  createLogger({ severity: 'info', destination: out.stream }).info({ config: { api_viewer_token: 'look' } }, 'x')
  t.same(out.events()[0].config, { api_viewer_token: REDACTED })
})
