import t from 'tap'
import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import { DohClients } from '../../../src/dns/serve/doh-clients.js'

/** A stand-in socket: an address, a port, and destroy() emitting close. */
function sock(remoteAddress: string, remotePort: number): Socket & { destroyedByUs: boolean } {
  const s = Object.assign(new EventEmitter(), { remoteAddress, remotePort, destroyedByUs: false })
  return Object.assign(s, {
    destroy() {
      s.destroyedByUs = true
      s.emit('close')
      return s
    },
  }) as unknown as Socket & { destroyedByUs: boolean }
}

t.test('connections: per-client and total caps, idle ones evicted, busy ones kept', async (t) => {
  const seen: string[] = []
  const c = new DohClients({ maxConnections: 2, maxConnectionsPerClient: 1, maxStreamsPerClient: 4 }, (w) => seen.push(w))
  const a1 = sock('192.0.2.1', 1000)
  t.ok(c.admit(a1))
  const hold = c.openStream(a1)!
  t.notOk(c.admit(sock('192.0.2.1', 1001)), 'a busy client at its cap is refused')
  const b = sock('::ffff:192.0.2.2', 1000)
  t.ok(c.admit(b), 'another client is admitted')
  const holdB = c.openStream(b)!
  t.notOk(c.admit(sock('192.0.2.3', 1000)), 'full, and every connection busy')
  holdB.release()
  hold.release()
  hold.release() // idempotent
  const a2 = sock('192.0.2.1', 1002)
  t.ok(c.admit(a2), 'the now idle connection makes room')
  t.ok(a1.destroyedByUs)
  t.equal(c.connections, 2)
  t.same(seen, ['accepted', 'refused', 'accepted', 'refused', 'evicted', 'accepted'])
})

t.test('streams: a budget per client over all its connections', async (t) => {
  const c = new DohClients({ maxConnections: 8, maxConnectionsPerClient: 8, maxStreamsPerClient: 2 })
  const a = sock('2001:db8::1', 1)
  const b = sock('2001:db8::2', 2) // same /64: same client
  c.admit(a)
  c.admit(b)
  const h1 = c.openStream(a)!
  const h2 = c.openStream(b)!
  t.equal(c.openStream(a), undefined, 'the /64 is at its cap')
  t.ok(c.openStream(sock('2001:db8:1::1', 3)), 'another /64 is not')
  h1.release()
  t.ok(c.openStream(b), 'a released slot is free again')
  h2.release()
  t.ok(c.openStream(undefined), 'a request without a socket counts under the empty key')
  a.destroy()
  t.equal(c.connections, 1, 'a closed connection is forgotten')
})
