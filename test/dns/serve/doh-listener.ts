import t, { type Test } from 'tap'
import { execFile } from 'node:child_process'
import http2 from 'node:http2'
import https from 'node:https'
import net from 'node:net'
import tls from 'node:tls'
import { X509Certificate } from 'node:crypto'
import { promisify } from 'node:util'
import dnsPacket from 'dns-packet'
import { DohListener } from '../../../src/dns/serve/doh-listener.js'
import { RecordIndex } from '../../../src/store/record-index.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'
import { startResponder } from '../../helpers/dns-responder.js'
import { makeTestPki, opensslUnavailable, type TestPki } from '../../helpers/tls-certs.js'

const run = promisify(execFile)
const rec = (name: string, type: string, value: string, ttl: number): DnsRecord => ({ name, type, value, ttl, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME })
const index = RecordIndex.build([rec('host.example.com', 'A', '192.0.2.1', 120), rec('host.example.com', 'A', '192.0.2.2', 45)], 1)

async function startDoh(t: Test, pki: TestPki) {
  const { dns, events, log } = await startResponder(t, index)
  const doh = new DohListener({ path: '/dns-query', idleTimeoutMs: 2000 }, pki.nodeA, dns.responder, log)
  const addr = await doh.listen('127.0.0.1', 0)
  t.teardown(() => doh.close())
  return { doh, port: addr.port, events }
}

const query = (name: string, id = 0) => dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A', class: 'IN' }] })

interface Res { status: number; headers: http2.IncomingHttpHeaders; body: Buffer }

/** One HTTP/2 request, bounded by a timeout. `chunks` are written as the body, one write each. */
function h2(port: number, ca: Buffer, headers: http2.OutgoingHttpHeaders, chunks: Buffer[] = [], end = true): Promise<Res> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { ca, servername: 'localhost' })
    const timer = setTimeout(() => {
      session.destroy()
      reject(new Error('no DoH answer within 5 s'))
    }, 5000)
    session.on('error', reject)
    const req = session.request(headers)
    const body: Buffer[] = []
    let head: http2.IncomingHttpHeaders = {}
    req.on('response', (h) => (head = h))
    req.on('data', (d: Buffer) => body.push(d))
    req.on('end', () => {
      clearTimeout(timer)
      session.close()
      resolve({ status: Number(head[':status']), headers: head, body: Buffer.concat(body) })
    })
    req.on('error', () => {
      /* a stream reset after the answer is fine */
    })
    for (const c of chunks) req.write(c)
    if (end) req.end()
  })
}

t.test('DNS over HTTPS', async (t) => {
  const why = await opensslUnavailable()
  if (why) return t.skip(why, () => {})
  const pki = await makeTestPki(t)
  const { port, events, doh } = await startDoh(t, pki)
  const ca = pki.caCert

  t.test('GET ?dns= answers with application/dns-message and max-age of the lowest TTL', async (t) => {
    const r = await h2(port, ca, { ':method': 'GET', ':path': `/dns-query?dns=${query('host.example.com').toString('base64url')}`, accept: 'application/dns-message' })
    t.equal(r.status, 200)
    t.equal(r.headers['content-type'], 'application/dns-message')
    t.equal(r.headers['cache-control'], 'max-age=45')
    const p = dnsPacket.decode(r.body)
    t.equal(p.id, 0, 'ID 0 echoed (RFC 8484 §4.1)')
    t.same(p.answers?.map((a) => (a as { data: string }).data).sort(), ['192.0.2.1', '192.0.2.2'])
    t.equal(events.at(-1)?.transport, 'doh')
  })

  t.test('POST application/dns-message, body in several DATA frames', async (t) => {
    const q = query('host.example.com', 4242)
    const r = await h2(port, ca, { ':method': 'POST', ':path': '/dns-query', 'content-type': 'application/dns-message' }, [q.subarray(0, 5), q.subarray(5)])
    t.equal(r.status, 200)
    t.equal(dnsPacket.decode(r.body).id, 4242)
  })

  t.test('a DNS error rcode is still HTTP 200 with the DNS answer (RFC 8484 §4.2.1)', async (t) => {
    const r = await h2(port, ca, { ':method': 'POST', ':path': '/dns-query', 'content-type': 'application/dns-message' }, [query('nope.example.com')])
    t.equal(r.status, 200)
    t.not((dnsPacket.decode(r.body) as { rcode?: string }).rcode, 'NOERROR', 'no resolver and no zone: an error rcode')
    t.equal(r.headers['cache-control'], 'max-age=0', 'no records: nothing to cache')
  })

  t.test('bad requests get 400, 404, 405, 413 and 415', async (t) => {
    t.equal((await h2(port, ca, { ':method': 'GET', ':path': '/dns-query?dns=!!' })).status, 400)
    t.equal((await h2(port, ca, { ':method': 'GET', ':path': `/other?dns=${query('x.example').toString('base64url')}` })).status, 404)
    const put = await h2(port, ca, { ':method': 'PUT', ':path': '/dns-query' })
    t.equal(put.status, 405)
    t.equal(put.headers.allow, 'GET, POST')
    t.equal((await h2(port, ca, { ':method': 'POST', ':path': '/dns-query', 'content-type': 'text/plain' }, [query('x.example')])).status, 415)
    // no Content-Length: the listener must stop at the bound while reading
    const big = Array.from({ length: 5 }, () => Buffer.alloc(16_384))
    // and answer 413 without waiting for the rest of an endless body (it is not buffered)
    t.equal((await h2(port, ca, { ':method': 'POST', ':path': '/dns-query', 'content-type': 'application/dns-message' }, big, false)).status, 413)
    // a response, not a query: the responder drops it
    const resp = dnsPacket.encode({ type: 'response', id: 1, flags: 0, questions: [{ name: 'x.example', type: 'A', class: 'IN' }] })
    t.equal((await h2(port, ca, { ':method': 'POST', ':path': '/dns-query', 'content-type': 'application/dns-message' }, [resp])).status, 400)
  })

  t.test('HTTP/1.1 clients are served too (allowHTTP1)', async (t) => {
    const body = await new Promise<{ status: number; data: Buffer }>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port, path: `/dns-query?dns=${query('host.example.com').toString('base64url')}`, ca, servername: 'localhost', timeout: 5000 }, (res) => {
        const parts: Buffer[] = []
        res.on('data', (d: Buffer) => parts.push(d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, data: Buffer.concat(parts) }))
      })
      req.on('error', reject)
      req.end()
    })
    t.equal(body.status, 200)
    t.equal(dnsPacket.decode(body.data).answers?.length, 2)
  })

  t.test('kdig +https (POST) and +https-get get the answers', async (t) => {
    if (!(await run('kdig', ['--version']).then(() => true, () => false))) return t.skip('kdig not installed', () => {})
    for (const mode of ['+https', '+https-get']) {
      const { stdout } = await run('kdig', [mode, `+tls-ca=${pki.caPath}`, '+tls-hostname=localhost', '@127.0.0.1', '-p', String(port), 'host.example.com', 'A', '+short'], { timeout: 10_000 })
      t.same(stdout.trim().split('\n').sort(), ['192.0.2.1', '192.0.2.2'], mode)
    }
  })

  t.test('setCertificate serves the new certificate to new connections', async (t) => {
    doh.setCertificate(pki.nodeB)
    const fp = await new Promise<string | undefined>((resolve, reject) => {
      const s = http2.connect(`https://127.0.0.1:${port}`, { ca, servername: 'localhost' })
      s.on('error', reject)
      s.on('connect', () => {
        resolve((s.socket as import('node:tls').TLSSocket).getPeerX509Certificate()?.fingerprint256)
        s.close()
      })
    })
    t.equal(fp, new X509Certificate(pki.nodeB.cert).fingerprint256)
  })
})

t.test('a responder failure is a 500, not a hung stream', async (t) => {
  const why = await opensslUnavailable()
  if (why) return t.skip(why, () => {})
  const pki = await makeTestPki(t)
  const { log } = await startResponder(t, index)
  const doh = new DohListener({ path: '/dns-query', idleTimeoutMs: 0 }, pki.nodeA, { handle: () => Promise.reject(new Error('boom')) }, log)
  const { port } = await doh.listen('127.0.0.1', 0)
  t.teardown(() => doh.close())
  const r = await h2(port, pki.caCert, { ':method': 'GET', ':path': `/dns-query?dns=${query('host.example.com').toString('base64url')}` })
  t.equal(r.status, 500)
})

t.test('an idle HTTP/2 connection is closed after the idle timeout', async (t) => {
  const why = await opensslUnavailable()
  if (why) return t.skip(why, () => {})
  const pki = await makeTestPki(t)
  const { dns, log } = await startResponder(t, index)
  const doh = new DohListener({ path: '/dns-query', idleTimeoutMs: 100 }, pki.nodeA, dns.responder, log)
  const { port } = await doh.listen('127.0.0.1', 0)
  t.teardown(() => doh.close())
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca: pki.caCert, servername: 'localhost' })
  t.teardown(() => session.destroy())
  session.on('error', () => {})
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 5000)
    session.on('close', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
  t.ok(closed, 'the server closed the idle session')
})

/** Opens an HTTP/2 session to the listener from `localAddress` (another loopback address is another client). */
function session(port: number, ca: Buffer, localAddress: string): http2.ClientHttp2Session {
  const s = http2.connect(`https://127.0.0.1:${port}`, {
    createConnection: () => tls.connect({ socket: net.connect({ host: '127.0.0.1', port, localAddress }), ca, servername: 'localhost', ALPNProtocols: ['h2'] }),
  })
  s.on('error', () => {})
  return s
}

/** One GET on `s`: its status, or 0 when the stream or session closed first; bounded by 5 s. */
function get(s: http2.ClientHttp2Session, name: string): Promise<number> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(-1), 5000)
    const done = (status: number) => {
      clearTimeout(timer)
      resolve(status)
    }
    try {
      const req = s.request({ ':method': 'GET', ':path': `/dns-query?dns=${query(name).toString('base64url')}` })
      req.on('response', (h) => done(Number(h[':status'])))
      req.on('error', () => done(0))
      req.on('close', () => done(0))
      req.end()
    } catch {
      done(0)
    }
  })
}

/** Starts a listener whose responder never answers slow.example (its stream stays open) and answers the rest. */
async function startHolding(t: Test, pki: TestPki, caps: { maxConnectionsPerClient?: number; maxStreamsPerClient?: number }) {
  const { dns, log } = await startResponder(t, index)
  const held = { count: 0 }
  const hold = () => {
    held.count++
    return new Promise<undefined>(() => {})
  }
  const responder = {
    handle: (m: Buffer, tr: 'doh', ip?: string) => (dnsPacket.decode(m).questions?.[0]?.name === 'slow.example' ? hold() : dns.responder.handle(m, tr, ip)),
    tcpAdmission: (w: 'accepted' | 'evicted' | 'refused') => dns.responder.tcpAdmission(w),
  }
  const doh = new DohListener({ path: '/dns-query', idleTimeoutMs: 10_000, ...caps }, pki.nodeA, responder, log)
  const { port } = await doh.listen('127.0.0.1', 0)
  t.teardown(() => doh.close())
  /** Resolves once the responder holds `n` requests (bounded wait). */
  const holding = async (n: number) => {
    for (let i = 0; i < 500 && held.count < n; i++) await new Promise((r) => setTimeout(r, 10))
  }
  return { port, dns, holding }
}

/** Resolves true when `s` closes within 5 s. */
function closes(s: http2.ClientHttp2Session): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.closed || s.destroyed) return resolve(true)
    const timer = setTimeout(() => resolve(false), 5000)
    s.on('close', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

t.test('per-client caps: one address over its cap is refused while another is served', async (t) => {
  const why = await opensslUnavailable()
  if (why) return t.skip(why, () => {})
  const pki = await makeTestPki(t)

  t.test('connections: a busy client at its cap gets no second connection; another address does', async (t) => {
    const { port, dns, holding } = await startHolding(t, pki, { maxConnectionsPerClient: 1 })
    const busy = session(port, pki.caCert, '127.0.0.1')
    t.teardown(() => busy.destroy())
    t.equal(await get(busy, 'host.example.com'), 200)
    void get(busy, 'slow.example') // keeps the connection busy: not idle, so not evicted for a newcomer
    await holding(1)
    const second = session(port, pki.caCert, '127.0.0.1')
    t.teardown(() => second.destroy())
    t.equal(await get(second, 'host.example.com'), 0, 'the second connection of 127.0.0.1 is closed unanswered')
    t.ok(dns.counters.tcp_refused >= 1, 'counted as refused')
    const other = session(port, pki.caCert, '127.0.0.2')
    t.teardown(() => other.destroy())
    t.equal(await get(other, 'host.example.com'), 200, '127.0.0.2 is served')
    t.notOk(busy.closed || busy.destroyed, 'the busy connection stays open')
  })

  t.test('connections: an idle connection makes room for the same client', async (t) => {
    const { port, dns } = await startHolding(t, pki, { maxConnectionsPerClient: 1 })
    const idle = session(port, pki.caCert, '127.0.0.1')
    t.teardown(() => idle.destroy())
    t.equal(await get(idle, 'host.example.com'), 200)
    const closing = closes(idle)
    const next = session(port, pki.caCert, '127.0.0.1')
    t.teardown(() => next.destroy())
    t.equal(await get(next, 'host.example.com'), 200)
    t.ok(await closing, 'the idle connection was closed')
    t.equal(dns.counters.tcp_evicted, 1)
  })

  t.test('streams: requests open over the cap get 429, another address and later requests are answered', async (t) => {
    const { port, holding } = await startHolding(t, pki, { maxStreamsPerClient: 2 })
    const a = session(port, pki.caCert, '127.0.0.1')
    t.teardown(() => a.destroy())
    const held = [a.request({ ':method': 'GET', ':path': `/dns-query?dns=${query('slow.example').toString('base64url')}` }),
      a.request({ ':method': 'GET', ':path': `/dns-query?dns=${query('slow.example').toString('base64url')}` })]
    for (const h of held) {
      h.on('error', () => {})
      h.end()
    }
    await holding(2)
    // a second connection of the same client shares its budget
    const a2 = session(port, pki.caCert, '127.0.0.1')
    t.teardown(() => a2.destroy())
    t.equal(await get(a2, 'host.example.com'), 429, 'third open request of 127.0.0.1')
    const b = session(port, pki.caCert, '127.0.0.2')
    t.teardown(() => b.destroy())
    t.equal(await get(b, 'host.example.com'), 200, '127.0.0.2 is answered')
    for (const h of held) h.close(http2.constants.NGHTTP2_CANCEL)
    let status = 0
    for (let i = 0; i < 50 && status !== 200; i++) status = await get(a2, 'host.example.com') // the server sees the resets soon
    t.equal(status, 200, 'answered again once its held requests closed')
  })
})
