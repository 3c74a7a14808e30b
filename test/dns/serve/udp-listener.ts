/**
 * UdpListener: a fast-path hit may return the cache's own bytes only while nothing is queued on the
 * socket (an earlier reply still waiting for the kernel would be overwritten).
 */
import t from 'tap'
import dgram from 'node:dgram'
import pino from 'pino'
import { UdpListener } from '../../../src/dns/serve/udp-listener.js'

t.test('the listener lets a reply reuse bytes only while the send queue is empty', async (t) => {
  const flags: boolean[] = []
  const listener = new UdpListener({ handle: (msg, _transport, _ip, sendsAtOnce) => (flags.push(sendsAtOnce === true), Buffer.from(msg)) }, pino({ level: 'silent' }))
  const sock = await listener.bind('127.0.0.1', 0)
  const client = dgram.createSocket('udp4')
  t.teardown(async () => {
    client.close()
    await listener.close()
  })
  const ask = (): Promise<Buffer> =>
    new Promise((resolve) => {
      client.once('message', (m) => resolve(m))
      client.send(Buffer.from('hello'), sock.address().port, '127.0.0.1')
    })
  t.equal((await ask()).toString(), 'hello')
  t.same(flags, [true], 'nothing queued: the reply may be shared bytes')
  sock.getSendQueueCount = () => 1 // as when the kernel took an earlier reply late (EAGAIN)
  t.equal((await ask()).toString(), 'hello')
  t.same(flags, [true, false], 'a send still queued: a copy')
})
