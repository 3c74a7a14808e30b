/**
 * The Transport contract every transport passes (memory, tcp, tls): ordered bytes both ways,
 * close semantics, refusal, timeouts and abort. Call from a test file with a factory.
 */
import type { Test } from 'tap'
import type { Connection, Transport } from '../../src/cluster/transport/transport.js'

/** Collects bytes from a connection until `n` bytes arrived (bounded wait). */
export function readBytes(conn: Connection, n: number, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let got = 0
    const timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)
    conn.onData((c) => {
      chunks.push(c)
      got += c.length
      if (got >= n) {
        clearTimeout(timer)
        resolve(Buffer.concat(chunks))
      }
    })
  })
}

export const closed = (conn: Connection) => new Promise<void>((resolve) => conn.onClose(() => resolve()))

/** Registers the contract tests for `make` under `name` on `t`. */
export function runTransportContract(t: Test, name: string, make: () => Transport): void {
  t.test(`${name} transport contract`, async (t) => {
    const transport = make()
    const accepted: Connection[] = []
    let onAccept: ((c: Connection) => void) | undefined
    const listener = await transport.listen('127.0.0.1:0', (c) => {
      if (onAccept) onAccept(c)
      else accepted.push(c)
    })
    /** Dials and returns both ends once the server side was accepted (bounded wait). */
    const pair = async () => {
      const server = new Promise<Connection>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('not accepted')), 5000)
        onAccept = (c) => {
          clearTimeout(timer)
          onAccept = undefined
          resolve(c)
        }
      })
      const client = await transport.dial(listener.address, { timeoutMs: 2000 })
      return { client, server: await server }
    }
    t.teardown(() => listener.close())
    t.match(listener.address, /^127\.0\.0\.1:\d+$/)
    t.not(listener.address, '127.0.0.1:0', 'port 0 becomes a real port')

    t.test('delivers bytes in order both ways, including bytes sent before the listener attached', async (t) => {
      const { client, server } = await pair()
      await client.write(Buffer.from('hello '))
      await client.write(Buffer.from('world'))
      // The server attaches its data listener only now: bytes that arrived meanwhile must not be lost.
      await new Promise((r) => setImmediate(r))
      t.equal(server.remoteIp, '127.0.0.1')
      t.equal((await readBytes(server, 11)).toString(), 'hello world')
      const back = readBytes(client, 4)
      await server.write(Buffer.from('pong'))
      t.equal((await back).toString(), 'pong')
      client.destroy()
      server.destroy()
    })

    t.test('close flushes pending writes and the other side sees the end', async (t) => {
      const { client, server } = await pair()
      const data = readBytes(client, 3)
      const ended = closed(client)
      await server.write(Buffer.from('bye'))
      server.close()
      t.equal((await data).toString(), 'bye')
      await ended
      t.ok(client.closed)
      await t.rejects(client.write(Buffer.from('x')))
    })

    t.test('dialing a closed port is refused', async (t) => {
      const other = await transport.listen('127.0.0.1:0', () => undefined)
      const addr = other.address
      await other.close()
      await t.rejects(transport.dial(addr, { timeoutMs: 2000 }))
    })

    t.test('an aborted dial rejects', async (t) => {
      const ac = new AbortController()
      ac.abort()
      await t.rejects(transport.dial(listener.address, { timeoutMs: 2000, signal: ac.signal }))
    })
  })
}
