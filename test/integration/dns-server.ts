import t, { type Test } from 'tap'
import dgram from 'node:dgram'
import net from 'node:net'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import dnsPacket from 'dns-packet'
import pino from 'pino'
import { DnsServer, type DnsServerOptions } from '../../src/dns/serve/server.js'
import type { UpstreamAnswer, UpstreamResolver, Question } from '../../src/dns/forward/upstream.js'
import { RecordIndex } from '../../src/store/record-index.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'
import { isDnsplaneError } from '../../src/errors.js'

const WAIT_MS = 3000
const decode = (b: Buffer) => dnsPacket.decode(b) as dnsPacket.DecodedPacket & { rcode: string }
const rec = (name: string, type: string, value: string, ttl = 3600): DnsRecord => ({
  name, type, value, ttl, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})
const records = [
  rec('example.com', 'SOA', 'ns1.example.com. hostmaster.example.com. 1 3600 900 604800 300'),
  rec('host.example.com', 'A', '192.0.2.1', 120),
  rec('unzoned.test', 'A', '198.51.100.1'),
  rec('out.example.com', 'CNAME', 'target.example.org'),
  ...Array.from({ length: 60 }, (_, i) => rec('big.example.com', 'A', `192.0.2.${i + 1}`)),
]
const index = RecordIndex.build(records, 1)

class FakeResolver implements UpstreamResolver {
  asked: Question[] = []
  async resolve(q: Question, signal?: AbortSignal): Promise<UpstreamAnswer> {
    this.asked.push(q)
    const name = q.name.toLowerCase()
    if (name === 'example.org' || name === 'target.example.org') {
      return { kind: 'answer', rcode: 'NOERROR', answers: [{ name: q.name, type: 'A', class: 'IN', ttl: 50, data: '203.0.113.5' }], authorities: [], fromCache: false, upstream: '192.0.2.53:53' }
    }
    if (name === 'cached.example.org') return { kind: 'answer', rcode: 'NOERROR', answers: [{ name: q.name, type: 'A', class: 'IN', ttl: 5, data: '203.0.113.6' }], authorities: [], fromCache: true }
    if (name === 'missing.example.org') return { kind: 'answer', rcode: 'NXDOMAIN', answers: [], authorities: [], fromCache: false }
    if (name === 'hang.example.org') return new Promise((resolve) => signal?.addEventListener('abort', () => resolve({ kind: 'none', reason: 'timeout' })))
    return { kind: 'none', reason: 'all_failed' }
  }
}

const baseOpts: DnsServerOptions = {
  bind: '127.0.0.1', port: 0, localRecordsEnabled: true, autoBuildPtrFromA: true, refuseAny: true,
  maxEdnsUdpPayload: 1232, tcpIdleTimeoutMs: 300, tcpMaxConnections: 2, upstreamTimeoutMs: 200,
}

async function startServer(t: Test, opts: Partial<DnsServerOptions> = {}, resolver: UpstreamResolver | 'none' = new FakeResolver()) {
  const server = new DnsServer({ ...baseOpts, ...opts }, { getIndex: () => index, resolver: resolver === 'none' ? undefined : resolver, log: pino({ level: 'silent' }) })
  const info = await server.start()
  t.teardown(() => server.stop())
  return { server, port: info.udp.port, tcpPort: info.tcp.port }
}

let nextId = 1
const query = (name: string, type = 'A', edns?: number): Buffer =>
  dnsPacket.encode({
    type: 'query', id: nextId++, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A' }],
    additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: edns } as dnsPacket.Answer] : [],
  })

function udpAsk(port: number, msg: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4')
    const timer = setTimeout(() => { s.close(); reject(new Error('udp timeout')) }, WAIT_MS)
    s.on('message', (m) => { clearTimeout(timer); s.close(); resolve(m) })
    s.send(msg, port, '127.0.0.1')
  })
}

/** Connects from `localAddress` (any 127.0.0.N: each is its own client to the server). */
function tcpConnect(port: number, localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress }, () => resolve(s))
    s.once('error', reject)
  })
}

/** Reads `n` framed messages (or fewer if the connection closes), bounded by WAIT_MS. */
function tcpRead(s: net.Socket, n: number): Promise<{ messages: Buffer[]; closed: boolean }> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0)
    const messages: Buffer[] = []
    const done = (closed: boolean): void => { clearTimeout(timer); s.removeAllListeners('data'); resolve({ messages, closed }) }
    const timer = setTimeout(() => done(false), WAIT_MS)
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c])
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        messages.push(buf.subarray(2, 2 + buf.readUInt16BE(0)))
        buf = buf.subarray(2 + buf.readUInt16BE(0))
      }
      if (messages.length >= n) done(false)
    })
    s.once('close', () => done(true))
  })
}
const frame = (m: Buffer): Buffer => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m])

t.test('answers a local A over UDP authoritatively, with RA set when a resolver is configured', async (t) => {
  const { port, server } = await startServer(t)
  const d = decode(await udpAsk(port, query('HOST.example.com')))
  t.equal(d.rcode, 'NOERROR')
  t.equal(d.flag_aa, true)
  t.equal(d.flag_ra, true)
  t.same(d.answers?.map((a) => [a.name, (a as { data: string }).data, (a as { ttl?: number }).ttl]), [['HOST.example.com', '192.0.2.1', 120]])
  t.equal(server.counters.answered_local, 1)
})

const forwardCases: [string, string, string, number, boolean, string?][] = [
  // [behaviour, name, rcode, answers, aa, counter]
  ['relays an upstream answer with AA=0', 'example.org', 'NOERROR', 1, false, 'answered_upstream'],
  ['counts a resolver cache hit as such', 'cached.example.org', 'NOERROR', 1, false, 'answered_cache'],
  ['relays an upstream NXDOMAIN', 'missing.example.org', 'NXDOMAIN', 0, false, 'nxdomain'],
  ['answers SERVFAIL when no upstream answers a name we do not hold', 'nothing.example.org', 'SERVFAIL', 0, false, 'servfail'],
  ['answers NODATA when no upstream answers a local name without the type', 'unzoned.test', 'NOERROR', 0, false],
  ['answers SERVFAIL, not a hang, when the resolver does not return in time', 'hang.example.org', 'SERVFAIL', 0, false],
  ['prepends the local CNAME to the forwarded target answer', 'out.example.com', 'NOERROR', 2, false],
]
for (const [name, qname, rcode, count, aa, counter] of forwardCases) {
  t.test(name, async (t) => {
    const { port, server } = await startServer(t)
    const d = decode(await udpAsk(port, query(qname, qname === 'unzoned.test' ? 'MX' : 'A')))
    t.equal(d.rcode, rcode)
    t.equal(d.answers?.length, count)
    t.equal(d.flag_aa, aa)
    if (counter) t.equal(server.counters[counter as keyof typeof server.counters], 1)
  })
}

t.test('answers SERVFAIL for a miss when there is no resolver, RA clear', async (t) => {
  const { port } = await startServer(t, {}, 'none')
  const d = decode(await udpAsk(port, query('example.org')))
  t.equal(d.rcode, 'SERVFAIL')
  t.equal(d.flag_ra, false)
})

t.test('refuses ANY with NOTIMP when refuseAny is set and a non-IN class with REFUSED', async (t) => {
  const { port } = await startServer(t)
  t.equal(decode(await udpAsk(port, query('host.example.com', 'ANY'))).rcode, 'NOTIMP')
  const ch = dnsPacket.encode({ type: 'query', id: 9, questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] })
  t.equal(decode(await udpAsk(port, ch)).rcode, 'REFUSED')
})

t.test('answers FORMERR to QDCOUNT 0, ignores garbage and keeps serving', async (t) => {
  const { port, server } = await startServer(t)
  const noQuestion = Buffer.from('abcd0000' + '0000000000000000', 'hex')
  t.equal(decode(await udpAsk(port, noQuestion)).rcode, 'FORMERR')
  const s = dgram.createSocket('udp4')
  await new Promise<void>((r) => s.send(Buffer.from('ffff'), port, '127.0.0.1', () => r()))
  await new Promise<void>((r) => s.send(Buffer.from('abcd8000000100000000000001', 'hex'), port, '127.0.0.1', () => r()))
  s.close()
  t.equal(decode(await udpAsk(port, query('host.example.com'))).rcode, 'NOERROR')
  t.equal(server.counters.formerr, 1)
})

t.test('sets TC over UDP when the answer does not fit, and TCP gives the whole answer', async (t) => {
  const { port, tcpPort } = await startServer(t)
  t.equal(port, tcpPort, 'UDP and TCP share the port')
  const udp = decode(await udpAsk(port, query('big.example.com')))
  t.equal(udp.flag_tc, true)
  t.equal(udp.answers?.length, 0)
  t.equal(udp.questions?.[0].name, 'big.example.com')
  const edns = decode(await udpAsk(port, query('big.example.com', 'A', 4096)))
  t.equal(edns.flag_tc, false, '60 A records fit in 1232 bytes')
  t.equal((edns.additionals?.[0] as { udpPayloadSize: number }).udpPayloadSize, 1232)
  const s = await tcpConnect(tcpPort)
  t.teardown(() => s.destroy())
  s.write(frame(query('big.example.com')))
  const { messages } = await tcpRead(s, 1)
  const d = decode(messages[0])
  t.equal(d.flag_tc, false)
  t.equal(d.answers?.length, 60)
})

t.test('answers pipelined TCP queries on one connection', async (t) => {
  const { tcpPort } = await startServer(t)
  const s = await tcpConnect(tcpPort)
  t.teardown(() => s.destroy())
  const qs = [query('host.example.com'), query('example.org'), query('nx.example.com')]
  const ids = qs.map((q) => q.readUInt16BE(0))
  s.write(Buffer.concat(qs.map(frame)))
  const { messages } = await tcpRead(s, 3)
  t.same(messages.map((m) => m.readUInt16BE(0)).sort(), ids.sort())
  const byId = new Map(messages.map((m) => [m.readUInt16BE(0), decode(m)]))
  t.equal(byId.get(ids[2])?.rcode, 'NXDOMAIN')
})

t.test('closes an idle TCP connection after tcpIdleTimeoutMs', async (t) => {
  const { tcpPort } = await startServer(t, { tcpIdleTimeoutMs: 100 })
  const s = await tcpConnect(tcpPort)
  t.teardown(() => s.destroy())
  const { closed } = await tcpRead(s, 1)
  t.equal(closed, true)
})

t.test('closes a TCP connection over tcpMaxConnections at once when every connection is busy', async (t) => {
  const { tcpPort, server } = await startServer(t, { tcpMaxConnections: 2, tcpIdleTimeoutMs: 5000, upstreamTimeoutMs: 5000 })
  const a = await tcpConnect(tcpPort, '127.0.0.2')
  const b = await tcpConnect(tcpPort, '127.0.0.3')
  t.teardown(() => { a.destroy(); b.destroy() })
  // Queries that never get an answer keep both connections busy (not idle, so not evictable).
  a.write(frame(query('hang.example.org')))
  b.write(frame(query('hang.example.org')))
  for (let i = 0; i < 100 && server.counters.queries < 2; i++) await new Promise((r) => setTimeout(r, 10))
  const c = await tcpConnect(tcpPort, '127.0.0.4')
  t.teardown(() => c.destroy())
  c.write(frame(query('host.example.com')))
  const third = await tcpRead(c, 1)
  t.equal(third.closed, true)
  t.equal(third.messages.length, 0)
  t.equal(server.counters.tcp_connections, 2)
  t.equal(server.counters.tcp_refused, 1)
})

t.test('one client flooding TCP connections cannot shut out others (per-client cap, eviction of idle ones)', async (t) => {
  const { tcpPort, server } = await startServer(t, { tcpMaxConnections: 6, tcpMaxConnectionsPerClient: 3, tcpIdleTimeoutMs: 5000 })
  const flood: net.Socket[] = []
  t.teardown(() => flood.forEach((s) => s.destroy()))
  // Two attackers open 20 idle connections each; each holds at most 3, so they fill the server together.
  for (const from of ['127.0.0.2', '127.0.0.3']) {
    for (let i = 0; i < 20; i++) flood.push(await tcpConnect(tcpPort, from))
  }
  // Let the server see every connection before the legitimate clients arrive.
  for (let i = 0; i < 50 && server.counters.tcp_connections < 40; i++) await new Promise((r) => setTimeout(r, 20))
  t.equal(server.counters.tcp_connections, 40)
  t.ok(server.counters.tcp_evicted >= 34, `evicted ${server.counters.tcp_evicted}`)
  for (const from of ['127.0.0.10', '127.0.0.11']) {
    const s = await tcpConnect(tcpPort, from)
    t.teardown(() => s.destroy())
    s.write(frame(query('host.example.com')))
    const { messages, closed } = await tcpRead(s, 1)
    t.equal(messages.length, 1, `${from} is answered`)
    t.equal(closed, false)
    t.equal(decode(messages[0]).rcode, 'NOERROR')
  }
  t.equal(server.counters.tcp_refused, 0)
})

t.test('survives a TCP frame that announces 65535 bytes and never sends them', async (t) => {
  const { tcpPort, port } = await startServer(t)
  const s = await tcpConnect(tcpPort)
  s.write(Buffer.from([0xff, 0xff, 1, 2, 3]))
  s.destroy()
  t.equal(decode(await udpAsk(port, query('host.example.com'))).rcode, 'NOERROR')
})

t.test('a second server on a taken port fails with ERR_BIND_FAILED naming the fix', async (t) => {
  const { port } = await startServer(t)
  const other = new DnsServer({ ...baseOpts, port }, { getIndex: () => index, log: pino({ level: 'silent' }) })
  const err = await other.start().then(() => undefined, (e: unknown) => e)
  t.ok(isDnsplaneError(err, 'ERR_BIND_FAILED'))
  t.match((err as Error).message, /127\.0\.0\.1:\d+.*already in use.*--port/)
  await other.stop()
})

const exec = promisify(execFile)
const hasDig = await exec('sh', ['-c', 'command -v dig']).then(() => true, () => false)

t.test('dig reads flags, sections and TTLs as intended', { skip: hasDig ? false : 'dig not installed' }, async (t) => {
  const { port } = await startServer(t)
  const dig = async (...args: string[]): Promise<string> => (await exec('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', ...args])).stdout
  const a = await dig('host.example.com', 'A')
  t.match(a, /status: NOERROR/)
  t.match(a, /flags: qr aa rd ra;/)
  t.match(a, /host\.example\.com\.\s+120\s+IN\s+A\s+192\.0\.2\.1/)
  t.match(a, /udp: 1232/)
  const nx = await dig('nope.example.com', 'A')
  t.match(nx, /status: NXDOMAIN/)
  t.match(nx, /AUTHORITY: 1/)
  t.match(nx, /example\.com\.\s+300\s+IN\s+SOA/)
  const tc = await dig('+noedns', '+ignore', 'big.example.com', 'A')
  t.match(tc, /flags: qr aa tc rd ra;/)
  const viaTcp = await dig('+tcp', 'big.example.com', 'A')
  t.match(viaTcp, /ANSWER: 60/)
  const fwd = await dig('example.org', 'A')
  t.match(fwd, /flags: qr rd ra;/)
  t.match(fwd, /example\.org\.\s+50\s+IN\s+A\s+203\.0\.113\.5/)
})
