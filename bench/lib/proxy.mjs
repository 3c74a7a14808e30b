// A small TCP proxy for one directed cluster link (node X dials node Y through it), for the bench
// scripts: pass (forward both ways) or cut (destroy open connections, and close every new one at
// once, so a dial sees the connection accepted and then reset/closed). Counts bytes each way.
// Listens on `listenHost` (port 0) and dials the target from `sourceHost`, so the target sees the
// dialler's own IP (the cluster credits inbound syncs and blocks failed auths per source IP).
import net from 'node:net'

export class LinkProxy {
  #server
  #pairs = new Set()
  #cut = false
  accepted = 0
  refused = 0
  /** Bytes forwarded dialler -> target, and target -> dialler. */
  bytesUp = 0
  bytesDown = 0

  /**
   * @param {string} name for messages
   * @param {string} listenHost
   * @param {{host: string, port: number}} target
   * @param {string} sourceHost local address of the outbound side
   */
  constructor(name, listenHost, target, sourceHost) {
    this.name = name
    this.listenHost = listenHost
    this.target = target
    this.sourceHost = sourceHost
  }

  /** Listens; resolves with "host:port". */
  async start() {
    const server = net.createServer({ allowHalfOpen: true }, (client) => this.#onClient(client))
    server.on('error', () => {})
    this.#server = server
    await new Promise((res, rej) => {
      server.once('error', rej)
      server.listen(0, this.listenHost, res)
    })
    return this.address
  }

  get address() {
    const a = this.#server?.address()
    if (!a) throw new Error(`proxy ${this.name} not listening`)
    return `${a.address}:${a.port}`
  }

  get isCut() {
    return this.#cut
  }

  /** Destroy open connections and refuse new ones until heal(). */
  cut() {
    this.#cut = true
    for (const p of this.#pairs) {
      p.a.destroy()
      p.b.destroy()
    }
    this.#pairs.clear()
  }

  heal() {
    this.#cut = false
  }

  #onClient(a) {
    a.on('error', () => {})
    if (this.#cut) {
      this.refused++
      a.destroy()
      return
    }
    this.accepted++
    a.pause()
    const b = net.connect({ host: this.target.host, port: this.target.port, localAddress: this.sourceHost, allowHalfOpen: true })
    b.on('error', () => {})
    const pair = { a, b }
    this.#pairs.add(pair)
    const done = () => {
      this.#pairs.delete(pair)
      a.destroy()
      b.destroy()
    }
    b.once('connect', () => {
      a.on('data', (d) => {
        this.bytesUp += d.length
        if (!b.write(d)) a.pause()
      })
      b.on('data', (d) => {
        this.bytesDown += d.length
        if (!a.write(d)) b.pause()
      })
      a.on('drain', () => b.resume())
      b.on('drain', () => a.resume())
      // half-close passes through: the cluster closes gracefully after a delta_ack
      a.on('end', () => b.end())
      b.on('end', () => a.end())
      a.resume()
    })
    a.once('close', done)
    b.once('close', done)
  }

  /** Closes the listener and every open connection. */
  async stop() {
    this.cut()
    const s = this.#server
    this.#server = undefined
    if (s) await new Promise((r) => s.close(() => r()))
  }
}
