/**
 * Upstream exchanges over DNS-over-TLS (RFC 7858) and DNS-over-HTTPS (RFC 8484).
 * One reused TLS connection per DoT upstream (queries pipelined, replies matched by message ID,
 * RFC 7858 3.3) and one reused HTTP/2 session per DoH origin; both close after an idle period.
 * Certificates are verified against Node's trust store (plus NODE_EXTRA_CA_CERTS); `trustedCa`
 * replaces it (tests, private CAs).
 */
import http2 from 'node:http2'
import net from 'node:net'
import tls from 'node:tls'

/** Idle connections and sessions are closed after this long (RFC 7858 3.4: do not hold them forever). */
export const ENCRYPTED_IDLE_MS = 10_000
const MAX_MESSAGE = 65_535

export type EncryptedResult = { reply: Buffer } | { failure: 'timeout' | 'network_error' | 'bad_response' }

export interface EncryptedOptions {
  /** PEM CA(s) to trust instead of the default store. */
  trustedCa?: string | Buffer
  idleMs?: number
}

let options: EncryptedOptions = {}
/** Sets trust and idle options for new connections (existing ones are closed). */
export function configureEncryptedUpstreams(o: EncryptedOptions): void {
  options = o
  closeEncryptedUpstreams()
}

/** Closes every pooled DoT connection and DoH session. */
export function closeEncryptedUpstreams(): void {
  for (const c of dotPool.values()) c.close()
  for (const s of dohPool.values()) s.close()
  dotPool.clear()
  dohPool.clear()
}

function tlsTrust(): { ca?: string | Buffer } {
  return options.trustedCa === undefined ? {} : { ca: options.trustedCa }
}

/** SNI must not carry an IP literal (RFC 6066 3); the identity check then uses the IP SAN. */
function sni(host: string): { servername?: string } {
  return net.isIP(host) ? {} : { servername: host }
}

class DotConnection {
  private readonly pending = new Map<number, (r: EncryptedResult) => void>()
  private buf: Buffer = Buffer.alloc(0)
  private idle?: NodeJS.Timeout
  private readonly sock: tls.TLSSocket
  closed = false
  private ready = false

  constructor(host: string, port: number, private readonly key: string) {
    this.sock = tls.connect({ host, port, ...sni(host), ...tlsTrust(), ALPNProtocols: ['dot'] })
    this.sock.setNoDelay(true)
    this.sock.once('secureConnect', () => {
      this.ready = true
    })
    this.sock.on('data', (chunk: Buffer) => this.onData(chunk))
    this.sock.on('error', () => this.close())
    this.sock.on('close', () => this.close())
    this.armIdle()
  }

  send(query: Buffer, id: number, signal: AbortSignal): Promise<EncryptedResult> {
    return new Promise((resolve) => {
      // Our IDs are random per query; a clash with one in flight on this connection is answered as a failure.
      if (this.pending.has(id)) return resolve({ failure: 'network_error' })
      const done = (r: EncryptedResult): void => {
        signal.removeEventListener('abort', onAbort)
        this.pending.delete(id)
        this.armIdle()
        resolve(r)
      }
      const onAbort = (): void => {
        done({ failure: 'timeout' })
        // A handshake that did not finish within the query timeout is not reused: the next query dials afresh.
        if (!this.ready) this.close()
      }
      if (signal.aborted) return onAbort()
      signal.addEventListener('abort', onAbort, { once: true })
      this.pending.set(id, done)
      clearTimeout(this.idle)
      this.sock.ref()
      const len = Buffer.alloc(2)
      len.writeUInt16BE(query.length, 0)
      this.sock.write(Buffer.concat([len, query]))
    })
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk])
    while (this.buf.length >= 2) {
      const len = this.buf.readUInt16BE(0)
      if (this.buf.length < 2 + len) return
      const msg = this.buf.subarray(2, 2 + len)
      this.buf = this.buf.subarray(2 + len)
      if (msg.length >= 12) this.pending.get(msg.readUInt16BE(0))?.({ reply: msg })
    }
  }

  private armIdle(): void {
    clearTimeout(this.idle)
    if (this.pending.size > 0 || this.closed) return
    // An idle pooled connection must not keep the process alive.
    this.sock.unref()
    this.idle = setTimeout(() => this.close(), options.idleMs ?? ENCRYPTED_IDLE_MS).unref()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.idle)
    if (dotPool.get(this.key) === this) dotPool.delete(this.key)
    this.sock.destroy()
    for (const fail of [...this.pending.values()]) fail({ failure: 'network_error' })
  }
}

const dotPool = new Map<string, DotConnection>()

/** Sends `query` (message ID `id`) over the pooled TLS connection to host:port; the reply's bytes come back. */
export function exchangeDot(host: string, port: number, query: Buffer, id: number, signal: AbortSignal): Promise<EncryptedResult> {
  const key = `${host}|${port}`
  let conn = dotPool.get(key)
  if (!conn || conn.closed) {
    conn = new DotConnection(host, port, key)
    dotPool.set(key, conn)
  }
  return conn.send(query, id, signal)
}

const dohPool = new Map<string, http2.ClientHttp2Session>()

function dohSession(origin: string, host: string): http2.ClientHttp2Session {
  const have = dohPool.get(origin)
  if (have && !have.closed && !have.destroyed) return have
  const s = http2.connect(origin, { ...sni(host), ...tlsTrust() })
  const drop = (): void => {
    if (dohPool.get(origin) === s) dohPool.delete(origin)
  }
  s.on('error', drop)
  s.on('close', drop)
  s.on('goaway', drop)
  s.setTimeout(options.idleMs ?? ENCRYPTED_IDLE_MS, () => s.close())
  s.unref()
  dohPool.set(origin, s)
  return s
}

/** POSTs `query` as application/dns-message to the https `url` (RFC 8484 4.1) over a pooled HTTP/2 session. */
export function exchangeDoh(url: string, query: Buffer, signal: AbortSignal): Promise<EncryptedResult> {
  return new Promise((resolve) => {
    let u: URL
    try {
      u = new URL(url)
    } catch {
      return resolve({ failure: 'network_error' })
    }
    if (signal.aborted) return resolve({ failure: 'timeout' })
    const session = dohSession(u.origin, u.hostname.replace(/^\[|\]$/g, ''))
    session.ref()
    const req = session.request({
      ':method': 'POST',
      ':path': u.pathname + u.search,
      'content-type': 'application/dns-message',
      accept: 'application/dns-message',
    })
    let done = false
    const finish = (r: EncryptedResult): void => {
      if (done) return
      done = true
      signal.removeEventListener('abort', onAbort)
      if (!req.closed) req.close(http2.constants.NGHTTP2_CANCEL)
      if (!session.destroyed) session.unref()
      resolve(r)
    }
    const onAbort = (): void => finish({ failure: 'timeout' })
    signal.addEventListener('abort', onAbort, { once: true })
    const chunks: Buffer[] = []
    let size = 0
    let status = 0
    req.on('response', (h) => {
      status = Number(h[':status'])
    })
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_MESSAGE) return finish({ failure: 'bad_response' })
      chunks.push(c)
    })
    req.on('end', () => finish(status === 200 ? { reply: Buffer.concat(chunks) } : { failure: 'bad_response' }))
    req.on('error', () => finish({ failure: 'network_error' }))
    req.end(query)
  })
}
