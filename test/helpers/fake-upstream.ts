/**
 * A scriptable DNS upstream on 127.0.0.1, UDP and TCP on the same OS-chosen port, for forwarder/resolver
 * tests. Each query is answered per `behave(query, transport)`.
 */
import dgram from 'node:dgram'
import net from 'node:net'
import packet from 'dns-packet'
import type { Answer, DecodedPacket } from 'dns-packet'

export interface FakeBehaviour {
  /** Default NOERROR. */
  rcode?: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'FORMERR'
  answers?: Answer[]
  authorities?: Answer[]
  /** Reply after this many ms. */
  delayMs?: number
  /** Set TC=1 (UDP only; over TCP the full answer is sent). */
  truncate?: boolean
  /** First send a reply with a different ID (and then the right one unless `silent`). */
  wrongIdFirst?: boolean
  /** Reply with another question name instead of the asked one. */
  wrongQuestion?: boolean
  /** Never answer. */
  silent?: boolean
  /** Leave out the OPT record even if the query had one. */
  noOpt?: boolean
}

export type Behave = (query: DecodedPacket, transport: 'udp' | 'tcp') => FakeBehaviour

export interface FakeUpstream {
  address: string
  /** UDP and TCP port (the same number). */
  port: number
  /** Queries seen, in order. */
  queries: { transport: 'udp' | 'tcp'; name: string; type: string; id: number; hasOpt: boolean; dnssecOk: boolean; cd: boolean }[]
  close(): Promise<void>
}

const RCODE_NUM: Record<string, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 }

function reply(query: DecodedPacket, b: FakeBehaviour, transport: 'udp' | 'tcp', id: number): Buffer {
  const q = query.questions![0]
  const hasOpt = (query.additionals ?? []).some((a) => a.type === 'OPT')
  const flags =
    packet.RECURSION_DESIRED |
    packet.RECURSION_AVAILABLE |
    (b.truncate && transport === 'udp' ? packet.TRUNCATED_RESPONSE : 0) |
    (RCODE_NUM[b.rcode ?? 'NOERROR'] ?? 0)
  return packet.encode({
    type: 'response',
    id,
    flags,
    questions: [b.wrongQuestion ? { ...q, name: 'other.invalid' } : q],
    answers: b.truncate && transport === 'udp' ? [] : (b.answers ?? []),
    authorities: b.authorities ?? [],
    additionals:
      hasOpt && !b.noOpt
        ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }]
        : [],
  })
}

/** Starts a fake upstream; close() in t.teardown. */
export async function startFakeUpstream(behave: Behave): Promise<FakeUpstream> {
  const queries: FakeUpstream['queries'] = []
  const timers = new Set<NodeJS.Timeout>()
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t)
      fn()
    }, ms)
    timers.add(t)
  }
  const note = (q: DecodedPacket, transport: 'udp' | 'tcp'): void => {
    const question = q.questions![0]
    queries.push({
      transport,
      name: question.name,
      type: String(question.type),
      id: q.id ?? 0,
      hasOpt: (q.additionals ?? []).some((a) => a.type === 'OPT'),
      dnssecOk: (q.additionals ?? []).some((a) => a.type === 'OPT' && a.flag_do),
      cd: q.flag_cd,
    })
  }

  const { udp, tcp } = await bindPair()
  const sockets = new Set<net.Socket>()
  udp.on('message', (msg, rinfo) => {
    let q: DecodedPacket
    try {
      q = packet.decode(msg)
    } catch {
      return
    }
    note(q, 'udp')
    const b = behave(q, 'udp')
    if (b.silent) return
    later(b.delayMs ?? 0, () => {
      if (b.wrongIdFirst) udp.send(reply(q, b, 'udp', ((q.id ?? 0) + 1) & 0xffff), rinfo.port, rinfo.address)
      udp.send(reply(q, b, 'udp', q.id ?? 0), rinfo.port, rinfo.address)
    })
  })
  tcp.on('connection', (sock) => {
    sockets.add(sock)
    sock.on('close', () => sockets.delete(sock))
    sock.on('error', () => undefined)
    let buf = Buffer.alloc(0)
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk])
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0)
        const msg = buf.subarray(2, 2 + len)
        buf = buf.subarray(2 + len)
        let q: DecodedPacket
        try {
          q = packet.decode(msg)
        } catch {
          sock.destroy()
          return
        }
        note(q, 'tcp')
        const b = behave(q, 'tcp')
        if (b.silent) continue
        later(b.delayMs ?? 0, () => {
          const out = reply(q, b, 'tcp', b.wrongIdFirst ? ((q.id ?? 0) + 1) & 0xffff : (q.id ?? 0))
          const pre = Buffer.alloc(2)
          pre.writeUInt16BE(out.length, 0)
          if (!sock.destroyed) sock.write(Buffer.concat([pre, out]))
        })
      }
    })
  })
  return {
    address: '127.0.0.1',
    port: udp.address().port,
    queries,
    async close() {
      for (const t of timers) clearTimeout(t)
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => udp.close(() => resolve()))
      await new Promise<void>((resolve) => tcp.close(() => resolve()))
    },
  }
}

/** UDP on port 0, then TCP on the same number; retried when that TCP port is taken. */
async function bindPair(): Promise<{ udp: dgram.Socket; tcp: net.Server }> {
  for (let attempt = 0; ; attempt++) {
    const udp = dgram.createSocket('udp4')
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve))
    const tcp = net.createServer()
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false))
      tcp.listen(udp.address().port, '127.0.0.1', () => resolve(true))
    })
    if (ok) return { udp, tcp }
    await new Promise<void>((resolve) => udp.close(() => resolve()))
    if (attempt >= 20) throw new Error('cannot bind a UDP+TCP port pair on 127.0.0.1')
  }
}

/** An A record answer. */
export function aRecord(name: string, ip: string, ttl = 300): Answer {
  return { name, type: 'A', class: 'IN', ttl, data: ip }
}

/** An SOA record for negative answers. */
export function soaRecord(zone: string, ttl = 3600, minimum = 300): Answer {
  return {
    name: zone,
    type: 'SOA',
    class: 'IN',
    ttl,
    data: { mname: `ns1.${zone}`, rname: `hostmaster.${zone}`, serial: 1, refresh: 3600, retry: 900, expire: 604800, minimum },
  }
}
