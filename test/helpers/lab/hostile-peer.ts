/**
 * A hostile but authenticated cluster peer for the fault lab: a raw TCP connection from
 * 127.0.0.10 (so the per-IP auth block never hits the real peers) that authenticates with the
 * lab's cluster token (plain-token auth) and sends frames of its choosing.
 */
import net from 'node:net'
import type { DnsRecord } from '../../../src/store/record.js'
import { LAB_TOKEN, type LabNode } from './cluster.js'

function frame(body: string): Buffer {
  const b = Buffer.from(body)
  const head = Buffer.alloc(4)
  head.writeUInt32BE(b.length)
  return Buffer.concat([head, b])
}

/**
 * Authenticates to `node` from 127.0.0.10, sends `bodies` one frame each, and returns the parsed
 * frames received (auth_ok first) once `replies` frames arrived after the auth, or after 5 s.
 */
export async function hostilePeer(node: LabNode, bodies: string[], replies: number): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve) => {
    const got: Array<Record<string, unknown>> = []
    const sock = net.connect({ host: node.host, port: node.clusterPort, localAddress: '127.0.0.10' })
    let buf = Buffer.alloc(0)
    const done = () => {
      clearTimeout(timer)
      sock.destroy()
      resolve(got)
    }
    const timer = setTimeout(done, 5000)
    sock.on('connect', () => sock.write(frame(JSON.stringify({ type: 'auth', token: LAB_TOKEN }))))
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
        const len = buf.readUInt32BE(0)
        got.push(JSON.parse(buf.subarray(4, 4 + len).toString()) as Record<string, unknown>)
        buf = buf.subarray(4 + len)
        if (got.length === 1 && got[0].type === 'auth_ok') for (const b of bodies) sock.write(frame(b))
        if (got.length >= 1 + replies) done()
      }
    })
    sock.on('error', done)
  })
}

const Z = '0001-01-01T00:00:00Z'

/** A record object as a peer sends it (zero times, ttl 60). */
export const labRecord = (name: string, type: string, value: string): DnsRecord => ({ name, type, value, ttl: 60, added_on: Z, updated_on: Z, last_query: Z })
