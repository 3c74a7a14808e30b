// UDP polling of several DNS servers for one name: how long until each answers with an expected A.
import dgram from 'node:dgram'
import { performance } from 'node:perf_hooks'
import dnsPacket from 'dns-packet'

/**
 * One UDP socket shared by every wait. waitAll() sends an A query for `name` to every target not yet
 * answered, every `intervalMs`, until each has answered with `expect` or `timeoutMs` passes.
 */
export class DnsProber {
  #sock
  #nextId = 1
  /** id -> { name, target index } of queries in flight for the current wait */
  #inflight = new Map()
  #onAnswer

  async open() {
    this.#sock = dgram.createSocket('udp4')
    this.#sock.on('message', (buf) => this.#receive(buf))
    this.#sock.on('error', () => {})
    await new Promise((r) => this.#sock.bind(0, '127.0.0.1', r))
  }

  close() {
    this.#sock?.close()
    this.#sock = undefined
  }

  #receive(buf) {
    let p
    try {
      p = dnsPacket.decode(buf)
    } catch {
      return
    }
    const q = this.#inflight.get(p.id)
    if (!q) return
    this.#inflight.delete(p.id)
    const ok = (p.answers ?? []).some((a) => a.type === 'A' && a.name.toLowerCase() === q.name && a.data === q.expect)
    if (ok) this.#onAnswer?.(q.target, q.name)
  }

  /**
   * Resolves with one entry per target: performance.now() of its first matching answer, or null
   * when it did not answer within `timeoutMs` (measured from the call).
   * @param {{host: string, port: number}[]} targets
   */
  waitAll(targets, name, expect, { intervalMs = 1, timeoutMs = 5000 } = {}) {
    const lname = name.toLowerCase()
    const got = targets.map(() => null)
    let left = targets.length
    return new Promise((resolve) => {
      if (left === 0) return resolve(got)
      const finish = () => {
        clearInterval(tick)
        clearTimeout(timer)
        this.#onAnswer = undefined
        this.#inflight.clear()
        resolve(got)
      }
      this.#onAnswer = (i, n) => {
        if (n !== lname || got[i] !== null) return
        got[i] = performance.now()
        if (--left === 0) finish()
      }
      const send = () => {
        for (let i = 0; i < targets.length; i++) {
          if (got[i] !== null) continue
          const id = this.#nextId
          this.#nextId = (this.#nextId % 65535) + 1
          this.#inflight.set(id, { name: lname, target: i, expect })
          const msg = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A', class: 'IN' }] })
          this.#sock.send(msg, targets[i].port, targets[i].host)
        }
        // bound the map: queries older than a few thousand ids are never answered usefully
        if (this.#inflight.size > 20000) this.#inflight.clear()
      }
      const tick = setInterval(send, intervalMs)
      const timer = setTimeout(finish, timeoutMs)
      send()
    })
  }
}

/**
 * Measures how long a server stalls: queries `name` (A) every `intervalMs` and keeps the worst
 * round-trip time, plus how many queries were still unanswered at stop(). For "does DNS keep
 * answering while the node is busy" figures.
 */
export class StallProbe {
  #sock
  #sent = new Map()
  #tick
  maxRtt = 0
  answered = 0

  async start(host, port, name, intervalMs = 5) {
    this.#sock = dgram.createSocket('udp4')
    this.#sock.on('error', () => {})
    this.#sock.on('message', (buf) => {
      if (buf.length < 2) return
      const id = buf.readUInt16BE(0)
      const at = this.#sent.get(id)
      if (at === undefined) return
      this.#sent.delete(id)
      this.answered++
      this.maxRtt = Math.max(this.maxRtt, performance.now() - at)
    })
    await new Promise((r) => this.#sock.bind(0, '127.0.0.1', r))
    let id = 0
    this.#tick = setInterval(() => {
      id = (id % 65535) + 1
      this.#sent.set(id, performance.now())
      this.#sock.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A', class: 'IN' }] }), port, host)
    }, intervalMs)
  }

  /** Stops sending; queries unanswered now count as stalls as long as their age. */
  stop() {
    clearInterval(this.#tick)
    const now = performance.now()
    for (const at of this.#sent.values()) this.maxRtt = Math.max(this.maxRtt, now - at)
    const unanswered = this.#sent.size
    this.#sock?.close()
    return { maxRtt: this.maxRtt, answered: this.answered, unanswered }
  }
}
