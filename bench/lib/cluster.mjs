// A minimal cluster-protocol client for the bench scripts: 4-byte big-endian length + JSON frames
// (docs/cluster-protocol.md), auth first. Every wait is bounded.
import net from 'node:net'

/** `payload` (string or Buffer) with its 4-byte big-endian length header. No size check: callers decide. */
export function frame(payload) {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload
  const head = Buffer.allocUnsafe(4)
  head.writeUInt32BE(body.length, 0)
  return Buffer.concat([head, body])
}

export class ClusterClient {
  #sock
  #buf = Buffer.alloc(0)
  #waiters = []
  closed = false

  /** Connects (bounded by `timeoutMs`). */
  static async connect(host, port, timeoutMs = 5000) {
    const c = new ClusterClient()
    await new Promise((res, rej) => {
      const sock = net.connect({ host, port })
      const t = setTimeout(() => {
        sock.destroy()
        rej(new Error(`connect ${host}:${port} timed out`))
      }, timeoutMs)
      sock.once('connect', () => {
        clearTimeout(t)
        res()
      })
      sock.once('error', (err) => {
        clearTimeout(t)
        rej(err)
      })
      c.#sock = sock
    })
    c.#sock.on('data', (d) => {
      c.#buf = Buffer.concat([c.#buf, d])
      c.#wake()
    })
    c.#sock.on('error', () => {})
    c.#sock.on('close', () => {
      c.closed = true
      c.#wake()
    })
    return c
  }

  #wake() {
    for (const w of this.#waiters.splice(0)) w()
  }

  /** Writes bytes; resolves when they are handed to the kernel. */
  write(bytes) {
    return new Promise((res, rej) => this.#sock.write(bytes, (err) => (err ? rej(err) : res())))
  }

  /** Next frame parsed as JSON; rejects on close or after `timeoutMs`. */
  async readFrame(timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (this.#buf.length >= 4) {
        const n = this.#buf.readUInt32BE(0)
        if (n > 1 << 20) throw new Error(`reply frame of ${n} bytes: too large for this client`)
        if (this.#buf.length >= 4 + n) {
          const body = this.#buf.subarray(4, 4 + n)
          this.#buf = this.#buf.subarray(4 + n)
          return JSON.parse(body.toString('utf8'))
        }
      }
      if (this.closed) throw new Error('connection closed')
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`)
      await new Promise((r) => {
        const t = setTimeout(r, left)
        this.#waiters.push(() => {
          clearTimeout(t)
          r()
        })
      })
    }
  }

  /** Sends auth and expects auth_ok. */
  async auth(token, timeoutMs = 5000) {
    await this.write(frame(JSON.stringify({ type: 'auth', token })))
    const reply = await this.readFrame(timeoutMs)
    if (reply.type !== 'auth_ok') throw new Error(`auth answered ${JSON.stringify(reply)}`)
  }

  /** True when the peer closes the connection within `timeoutMs`. */
  async waitClosed(timeoutMs) {
    const deadline = Date.now() + timeoutMs
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    return this.closed
  }

  close() {
    this.#sock?.destroy()
  }
}
