import t, { type Test } from 'tap'
import http2 from 'node:http2'
import net, { type AddressInfo } from 'node:net'
import tls from 'node:tls'
import packet from 'dns-packet'
import { NetworkForwarder } from '../../../src/dns/forward/forwarder.js'
import { closeEncryptedUpstreams, configureEncryptedUpstreams } from '../../../src/dns/forward/encrypted-upstream.js'
import { fallbackFromConfig, type FallbackEndpoint, type UpstreamEndpoint } from '../../../src/dns/forward/upstream-select.js'
import { makeTestPki, opensslUnavailable, type TestCert } from '../../helpers/tls-certs.js'
import { recordsOf } from '../../helpers/dns-packet.js'

const skip = await opensslUnavailable()
if (skip) {
  t.skip(skip, () => {})
} else {
  const pki = await makeTestPki(t)
  t.teardown(() => configureEncryptedUpstreams({}))

  t.test('a query forwarded over DoT gets the upstream answer on one reused connection', async (t) => {
    configureEncryptedUpstreams({ trustedCa: pki.caCert })
    const srv = await dotServer(t, pki.nodeA, '192.0.2.53')
    const ep = endpoint(fallbackFromConfig('127.0.0.1', String(srv.port), 'dot')!)
    const [a, b] = await Promise.all([forward(ep), forward(ep)])
    t.same(answerOf(a), '192.0.2.53')
    t.same(answerOf(b), '192.0.2.53', 'pipelined on the same connection')
    t.same(answerOf(await forward(ep)), '192.0.2.53')
    t.equal(srv.connections(), 1, 'the connection is reused')
  })

  t.test('a query forwarded over DoH (POST, http2) gets the upstream answer', async (t) => {
    configureEncryptedUpstreams({ trustedCa: pki.caCert })
    const srv = await dohServer(t, pki.nodeA, '192.0.2.80')
    const ep = endpoint(fallbackFromConfig(`https://127.0.0.1:${srv.port}/q`, '53', 'doh')!)
    t.equal(ep.addressPort, `https://127.0.0.1:${srv.port}/q`)
    t.same(answerOf(await forward(ep)), '192.0.2.80')
    t.same(answerOf(await forward(ep)), '192.0.2.80')
    t.same(srv.methods(), ['POST', 'POST'])
    t.equal(srv.sessions(), 1, 'the session is reused')
  })

  t.test('an untrusted certificate fails unless trusted', async (t) => {
    configureEncryptedUpstreams({ trustedCa: pki.caCert })
    const dot = await dotServer(t, pki.rogue, '192.0.2.1')
    const doh = await dohServer(t, pki.rogue, '192.0.2.2')
    const dotEp = endpoint(fallbackFromConfig('127.0.0.1', String(dot.port), 'dot')!)
    const dohEp = endpoint(fallbackFromConfig(`https://127.0.0.1:${doh.port}/dns-query`, '53', 'doh')!)
    t.match(await forward(dotEp), { kind: 'none' }, 'DoT: rogue certificate rejected')
    t.match(await forward(dohEp), { kind: 'none' }, 'DoH: rogue certificate rejected')
    configureEncryptedUpstreams({ trustedCa: pki.rogueCaCert })
    t.same(answerOf(await forward(dotEp)), '192.0.2.1', 'DoT: trusted once its CA is')
    t.same(answerOf(await forward(dohEp)), '192.0.2.2', 'DoH: trusted once its CA is')
  })

  t.test('an idle DoT connection is closed and redialled; a stalled handshake is not reused', async (t) => {
    configureEncryptedUpstreams({ trustedCa: pki.caCert, idleMs: 20 })
    const srv = await dotServer(t, pki.nodeA, '192.0.2.3')
    const ep = endpoint(fallbackFromConfig('127.0.0.1', String(srv.port), 'dot')!)
    t.same(answerOf(await forward(ep)), '192.0.2.3')
    await srv.closedOnce
    t.same(answerOf(await forward(ep)), '192.0.2.3')
    t.equal(srv.connections(), 2, 'redialled after the idle close')

    let accepted = 0
    const stall = net.createServer((sock) => {
      accepted++
      sock.on('error', () => {})
    })
    await new Promise<void>((res) => stall.listen(0, '127.0.0.1', res))
    t.teardown(() => stall.close())
    const sep = endpoint(fallbackFromConfig('127.0.0.1', String((stall.address() as AddressInfo).port), 'dot')!)
    t.match(await forward(sep, 200), { kind: 'none', reason: 'timeout' })
    t.match(await forward(sep, 200), { kind: 'none', reason: 'timeout' })
    t.equal(accepted, 2, 'each query dialled afresh')
    closeEncryptedUpstreams()
  })

  t.test('each DoT/DoH exchange is reported with its outcome; one cut short by a faster upstream is not', async (t) => {
    configureEncryptedUpstreams({ trustedCa: pki.caCert })
    const srv = await dotServer(t, pki.nodeA, '192.0.2.5')
    const held = new Set<net.Socket>()
    const stall = net.createServer((sock) => {
      held.add(sock)
      sock.on('error', () => {})
    })
    await new Promise<void>((res) => stall.listen(0, '127.0.0.1', res))
    t.teardown(() => {
      for (const s of held) s.destroy()
      stall.close()
    })
    const reports: { transport: string; outcome: string }[] = []
    const fwd = new NetworkForwarder({ onEncryptedExchange: ({ transport, outcome }) => void reports.push({ transport, outcome }) })
    t.teardown(() => fwd.close())
    const ask = (eps: UpstreamEndpoint[], timeoutMs: number) => fwd.forward({ name: 'www.example.com', type: 'A', class: 'IN', endpoints: eps, timeoutMs })
    const good = endpoint(fallbackFromConfig('127.0.0.1', String(srv.port), 'dot')!)
    const stalled = endpoint(fallbackFromConfig(`https://127.0.0.1:${(stall.address() as AddressInfo).port}/q`, '53', 'doh')!)
    t.same(answerOf(await ask([good, stalled], 3000)), '192.0.2.5')
    t.same(reports, [{ transport: 'dot', outcome: 'ok' }], 'the DoH exchange the DoT answer made moot is not a timeout')
    t.match(await ask([stalled], 200), { kind: 'none', reason: 'timeout' })
    t.same(reports.at(-1), { transport: 'doh', outcome: 'timeout' }, 'a real timeout is')
    closeEncryptedUpstreams()
  })

  t.test('a DoH error status fails the upstream', async (t) => {
    configureEncryptedUpstreams({ trustedCa: pki.caCert })
    const srv = await dohServer(t, pki.nodeA, '192.0.2.4', 415)
    const ep = endpoint(fallbackFromConfig(`https://127.0.0.1:${srv.port}/q`, '53', 'doh')!)
    t.match(await forward(ep), { kind: 'none', failures: [{ reason: 'bad_response' }] })
    t.match(await forward({ ...ep, url: 'not a url' }), { kind: 'none', failures: [{ reason: 'network_error' }] })
  })

  t.test('config forms: default ports and URLs', async (t) => {
    t.match(fallbackFromConfig('192.0.2.1', '53', 'dot'), { port: 853, transport: 'dot' })
    t.match(fallbackFromConfig('192.0.2.1', '5353', 'dot'), { port: 5353, transport: 'dot' })
    t.match(fallbackFromConfig('192.0.2.1', '53', 'doh'), { port: 443, transport: 'doh', url: 'https://192.0.2.1:443/dns-query' })
    t.match(fallbackFromConfig('https://dns.example/dns-query', '53', 'doh'), { address: 'dns.example', port: 443, url: 'https://dns.example/dns-query' })
    t.equal(fallbackFromConfig('https://[bad', '53', 'doh'), undefined)
    t.equal(fallbackFromConfig('not-an-ip', '53', 'dot'), undefined)
  })
}

function endpoint(f: FallbackEndpoint): UpstreamEndpoint {
  return { ...f, addressPort: f.url ?? `${f.address}:${f.port}` }
}

function forward(ep: UpstreamEndpoint, timeoutMs = 3000) {
  return new NetworkForwarder().forward({ name: 'www.example.com', type: 'A', class: 'IN', endpoints: [ep], timeoutMs })
}

function answerOf(r: Awaited<ReturnType<typeof forward>>): string | undefined {
  return r.kind === 'answer' ? String(recordsOf(r.answers)[0]?.data) : undefined
}

function reply(query: Buffer, ip: string): Buffer {
  const q = packet.decode(query)
  return packet.encode({
    type: 'response', id: q.id, flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE,
    questions: q.questions, answers: [{ type: 'A', name: q.questions![0].name, ttl: 60, data: ip }],
  })
}

async function dotServer(t: Test, cert: TestCert, ip: string): Promise<{ port: number; connections(): number; closedOnce: Promise<void> }> {
  let n = 0
  let closed!: () => void
  const closedOnce = new Promise<void>((res) => (closed = res))
  const srv = tls.createServer({ cert: cert.cert, key: cert.key }, (sock) => {
    n++
    sock.on('close', () => closed())
    let buf = Buffer.alloc(0)
    sock.on('error', () => {})
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c])
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0))
        buf = buf.subarray(2 + msg.length)
        const r = reply(msg, ip)
        const len = Buffer.alloc(2)
        len.writeUInt16BE(r.length, 0)
        sock.write(Buffer.concat([len, r]))
      }
    })
  })
  srv.on('tlsClientError', () => {})
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res))
  t.teardown(() => {
    closeEncryptedUpstreams()
    srv.close()
  })
  return { port: (srv.address() as AddressInfo).port, connections: () => n, closedOnce }
}

async function dohServer(t: Test, cert: TestCert, ip: string, status = 200): Promise<{ port: number; sessions(): number; methods(): string[] }> {
  let n = 0
  const methods: string[] = []
  const srv = http2.createSecureServer({ cert: cert.cert, key: cert.key })
  srv.on('session', () => n++)
  srv.on('tlsClientError', () => {})
  srv.on('stream', (stream, headers) => {
    methods.push(String(headers[':method']))
    const chunks: Buffer[] = []
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', () => {
      stream.respond({ ':status': status, 'content-type': 'application/dns-message' })
      stream.end(reply(Buffer.concat(chunks), ip))
    })
  })
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res))
  t.teardown(() => {
    closeEncryptedUpstreams()
    srv.close()
  })
  return { port: (srv.address() as AddressInfo).port, sessions: () => n, methods: () => methods }
}

