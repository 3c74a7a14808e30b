/**
 * TcpListener and a large zone transfer: the messages `more` gives go out in order, a slice per turn,
 * and no other answer comes between them (queries pipelined behind the transfer and answers finishing
 * meanwhile follow its last message).
 */
import net from 'node:net'
import pino from 'pino'
import t from 'tap'
import type { TransferReply } from '../../../src/dns/serve/responder.js'
import { TcpListener } from '../../../src/dns/serve/tcp-listener.js'
import { encodeTcpFrame, TcpFrameDecoder } from '../../../src/dns/wire/tcp-framing.js'

/** A frame shorter than a DNS header closes the connection: pad the test's tags to one. */
const tag = (s: string) => Buffer.from(s.padEnd(12, '_'))
const text = (b: Buffer) => String(b).replace(/_+$/, '')

t.test('a streamed transfer: every batch in order, then what was answered or asked meanwhile', async (t) => {
  let release: ((b: Buffer) => void) | undefined
  const calls: string[] = []
  const responder = {
    tcpAdmission: () => undefined,
    // "slow" answers once the test releases it (mid-transfer); "xfr" is a transfer of 3 batches; others echo
    handle(msg: Buffer) {
      calls.push(`handle ${text(msg)}`)
      if (text(msg) === 'slow') return new Promise<Buffer>((r) => (release = r))
      return tag(`re:${text(msg)}`)
    },
    transfer(msg: Buffer): TransferReply | undefined {
      if (text(msg) !== 'xfr') return undefined
      let n = 0
      return {
        messages: [tag('x0')],
        more: () => {
          calls.push(`more ${n}`)
          if (n === 1) release?.(tag('re:slow'))
          return n < 3 ? [tag(`x${++n}a`), tag(`x${n}b`)] : undefined
        },
      }
    },
  }
  const listener = new TcpListener({ tcpIdleTimeoutMs: 5000, tcpMaxConnections: 4 }, responder, pino({ level: 'silent' }))
  const server = await listener.listen('127.0.0.1', 0)
  t.teardown(() => listener.close())
  const port = (server.address() as net.AddressInfo).port
  const sock = net.connect(port, '127.0.0.1')
  t.teardown(() => sock.destroy())
  const got: string[] = []
  const decoder = new TcpFrameDecoder()
  const done = new Promise<void>((resolve) => {
    sock.on('data', (chunk) => {
      const frames = decoder.push(chunk)
      if (frames !== 'invalid') for (const f of frames) got.push(text(f))
      if (got.length >= 9) resolve()
    })
  })
  // one write: a query answered later, the transfer, and a query pipelined behind it
  sock.write(Buffer.concat([encodeTcpFrame(tag('slow')), encodeTcpFrame(tag('xfr')), encodeTcpFrame(tag('after'))]))
  await Promise.race([done, new Promise((r) => setTimeout(r, 5000))])
  t.same(got.slice(0, 7), ['x0', 'x1a', 'x1b', 'x2a', 'x2b', 'x3a', 'x3b'], 'the transfer whole and in order')
  t.same(got.slice(7).sort(), ['re:after', 're:slow'], 'then the answer finished meanwhile and the query asked behind it')
  t.same(calls, ['handle slow', 'more 0', 'more 1', 'more 2', 'more 3', 'handle after'], 'the query behind the transfer was read after it ended')
})

t.test('a client that goes mid-transfer: the stream is given up, no more slices are built', async (t) => {
  let aborted = 0
  let built = 0
  const responder = {
    tcpAdmission: () => undefined,
    handle: () => undefined,
    transfer: (): TransferReply => ({
      messages: [tag('x0')],
      // an endless stream: only the connection going ends it
      more: () => {
        built++
        return [tag(`x${built}`)]
      },
      abort: () => void aborted++,
    }),
  }
  const listener = new TcpListener({ tcpIdleTimeoutMs: 5000, tcpMaxConnections: 4 }, responder, pino({ level: 'silent' }))
  const server = await listener.listen('127.0.0.1', 0)
  t.teardown(() => listener.close())
  const sock = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1')
  let got = 0
  const some = new Promise<void>((resolve) => sock.on('data', () => ++got >= 1 && resolve()))
  sock.write(encodeTcpFrame(tag('xfr')))
  await some
  sock.destroy()
  for (let i = 0; i < 200 && aborted === 0; i++) await new Promise((r) => setTimeout(r, 10))
  t.equal(aborted, 1, 'given up once the connection closed')
  const after = built
  await new Promise((r) => setTimeout(r, 50))
  t.equal(built, after, 'no slice built after that')
})
