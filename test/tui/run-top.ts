import { PassThrough } from 'node:stream'
import t from 'tap'
import { DEFAULT_TOP_INTERVAL_MS, runTop, topIntervalMs } from '../../src/tui/run-top.js'

function io(tty: boolean) {
  const stderr = new PassThrough()
  let err = ''
  stderr.on('data', (c: Buffer) => (err += c.toString()))
  const stdin = Object.assign(new PassThrough(), { isTTY: tty })
  const stdout = Object.assign(new PassThrough(), { isTTY: tty })
  return { io: { stdin, stdout, stderr, env: {} }, err: () => err }
}

t.test('--interval is seconds, bounded', async (t) => {
  t.equal(topIntervalMs(undefined), DEFAULT_TOP_INTERVAL_MS)
  t.equal(topIntervalMs('0.5'), 500)
  t.equal(topIntervalMs('0.1'), undefined)
  t.equal(topIntervalMs('61'), undefined)
  t.equal(topIntervalMs('x'), undefined)
})

t.test('refuses bad usage with exit 2 and says why', async (t) => {
  const a = io(true)
  t.equal(await runTop({ interval: '0' }, a.io), 2)
  t.match(a.err(), '--interval must be seconds between 0.2 and 60')
  const b = io(false)
  t.equal(await runTop({}, b.io), 2)
  t.match(b.err(), 'dnsplane top needs a terminal')
  const c = io(true)
  t.equal(await runTop({ target: 'db.example.com:8080' }, c.io), 2, 'a remote target without a token')
})

t.test('an unreachable daemon is exit 1 naming the socket', async (t) => {
  const a = io(true)
  t.equal(await runTop({ target: '/nonexistent/dnsplane.socket' }, a.io), 1)
  t.match(a.err(), '/nonexistent/dnsplane.socket')
})
