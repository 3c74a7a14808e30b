import t, { type Test } from 'tap'
import { execFile } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import net from 'node:net'
import tls from 'node:tls'
import { promisify } from 'node:util'
import dnsPacket from 'dns-packet'
import { DotListener } from '../../../src/dns/serve/dot-listener.js'
import { RecordIndex } from '../../../src/store/record-index.js'
import { GO_ZERO_TIME } from '../../../src/store/record.js'
import { startResponder } from '../../helpers/dns-responder.js'
import { makeTestPki, opensslUnavailable, type TestPki } from '../../helpers/tls-certs.js'

const run = promisify(execFile)
const WAIT_MS = 5000
const index = RecordIndex.build([
  { name: 'host.example.com', type: 'A', value: '192.0.2.1', ttl: 120, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME },
], 1)

async function kdigAvailable(): Promise<boolean> {
  return run('kdig', ['--version'], { timeout: 5000 }).then(() => true, () => false)
}

/** A DoT listener; its responder never answers slow.example (that query stays in flight) and counts those it holds. */
async function startDot(t: Test, pki: TestPki, caps: { perClient?: number; idleMs?: number } = {}) {
  const { dns, events, log } = await startResponder(t, index)
  const held = { count: 0 }
  const responder = {
    handle: (m: Buffer, tr: 'dot', ip?: string) => {
      if (dnsPacket.decode(m).questions?.[0]?.name !== 'slow.example') return dns.responder.handle(m, tr, ip)
      held.count++
      return new Promise<undefined>(() => {})
    },
    tcpAdmission: (w: 'accepted' | 'evicted' | 'refused') => dns.responder.tcpAdmission(w),
  }
  const dot = new DotListener({ tcpIdleTimeoutMs: caps.idleMs ?? 2000, tcpMaxConnections: 8, tcpMaxConnectionsPerClient: caps.perClient }, pki.nodeA, responder, log)
  const server = await dot.listen('127.0.0.1', 0)
  t.teardown(() => dot.close())
  const port = (server.address() as { port: number }).port
  const holding = async (n: number) => {
    for (let i = 0; i < 500 && held.count < n; i++) await new Promise((r) => setTimeout(r, 10))
  }
  return { dns, dot, port, events, holding }
}

const frame = (id: number, name: string) =>
  dnsPacket.streamEncode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A', class: 'IN' }] })

function connect(port: number, ca: Buffer, localAddress = '127.0.0.1'): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ socket: net.connect({ host: '127.0.0.1', port, localAddress }), ca, servername: 'localhost', ALPNProtocols: ['dot'] }, () => resolve(s))
    s.once('error', reject)
  })
}

/** Reads `n` length-framed messages (or fewer if the server closes), bounded by WAIT_MS. */
function readFrames(s: tls.TLSSocket, n: number): Promise<{ msgs: dnsPacket.DecodedPacket[]; closed: boolean }> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0)
    const msgs: dnsPacket.DecodedPacket[] = []
    const done = (closed: boolean) => {
      clearTimeout(timer)
      resolve({ msgs, closed })
    }
    const timer = setTimeout(() => done(false), WAIT_MS)
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        msgs.push(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))))
        buf = buf.subarray(2 + buf.readUInt16BE(0))
      }
      if (msgs.length >= n) done(false)
    })
    s.on('close', () => done(true))
  })
}

t.test('DNS over TLS', async (t) => {
  const why = await opensslUnavailable()
  if (why) return t.skip(why, () => {})
  const pki = await makeTestPki(t)

  t.test('pipelined queries on one TLS connection are all answered, as over TCP', async (t) => {
    const { port, events } = await startDot(t, pki)
    const s = await connect(port, pki.caCert)
    t.teardown(() => s.destroy())
    t.equal(s.alpnProtocol, 'dot', 'ALPN "dot" (RFC 7858 §3.2)')
    const reading = readFrames(s, 3)
    // three queries in one write: the listener must split the stream into frames and answer each
    s.write(Buffer.concat([frame(11, 'host.example.com'), frame(12, 'nope.example.com'), frame(13, 'host.example.com')]))
    const { msgs } = await reading
    t.same(msgs.map((m) => m.id).sort(), [11, 12, 13])
    const a = msgs.find((m) => m.id === 11)!
    t.same(a.answers?.map((x) => (x as { data: string }).data), ['192.0.2.1'])
    t.ok(events.length >= 3 && events.every((e) => e.transport === 'dot'), 'events are counted as transport dot')
  })

  t.test('per-client connection cap of the TCP listener applies: an idle connection makes room', async (t) => {
    const { port, dns } = await startDot(t, pki, { perClient: 1 })
    const first = await connect(port, pki.caCert)
    t.teardown(() => first.destroy())
    const firstClosed = new Promise<void>((r) => first.on('close', () => r()))
    const second = await connect(port, pki.caCert)
    t.teardown(() => second.destroy())
    const reading = readFrames(second, 1)
    second.write(frame(21, 'host.example.com'))
    t.equal((await reading).msgs[0]?.id, 21)
    await firstClosed
    t.equal(dns.counters.tcp_evicted, 1)
  })

  t.test('a busy client at its cap is refused while another address is served', async (t) => {
    const { port, dns, holding } = await startDot(t, pki, { perClient: 1 })
    const busy = await connect(port, pki.caCert)
    t.teardown(() => busy.destroy())
    busy.write(frame(31, 'slow.example')) // in flight: the connection is not idle
    await holding(1)
    // the server closes the newcomer right after the handshake (or during it)
    const second = await connect(port, pki.caCert).catch(() => undefined)
    if (second) {
      t.teardown(() => second.destroy())
      const { msgs, closed } = await readFrames(second, 1)
      t.same({ msgs: msgs.length, closed }, { msgs: 0, closed: true }, 'second connection of 127.0.0.1 closed unanswered')
    }
    t.equal(dns.counters.tcp_refused, 1)
    const other = await connect(port, pki.caCert, '127.0.0.2')
    t.teardown(() => other.destroy())
    const reading = readFrames(other, 1)
    other.write(frame(32, 'host.example.com'))
    t.equal((await reading).msgs[0]?.id, 32, '127.0.0.2 is answered')
    t.notOk(busy.destroyed, 'the busy connection stays open')
  })

  t.test('an idle connection is closed after the idle timeout', async (t) => {
    const { port } = await startDot(t, pki, { idleMs: 100 })
    const s = await connect(port, pki.caCert)
    t.teardown(() => s.destroy())
    t.same(await readFrames(s, 1), { msgs: [], closed: true })
  })

  t.test('setCertificate serves the new certificate to new connections', async (t) => {
    const { port, dot } = await startDot(t, pki)
    const before = await connect(port, pki.caCert)
    t.equal(before.getPeerX509Certificate()?.fingerprint256, new X509Certificate(pki.nodeA.cert).fingerprint256)
    before.destroy()
    dot.setCertificate(pki.nodeB)
    const after = await connect(port, pki.caCert)
    t.equal(after.getPeerX509Certificate()?.fingerprint256, new X509Certificate(pki.nodeB.cert).fingerprint256)
    after.destroy()
  })

  t.test('kdig +tls gets the answer plain DNS gives', async (t) => {
    if (!(await kdigAvailable())) return t.skip('kdig not installed', () => {})
    const { port } = await startDot(t, pki)
    const { stdout } = await run('kdig', ['+tls', `+tls-ca=${pki.caPath}`, '+tls-hostname=localhost', '@127.0.0.1', '-p', String(port), 'host.example.com', 'A', '+short'], { timeout: 10_000 })
    t.equal(stdout.trim(), '192.0.2.1')
  })
})
