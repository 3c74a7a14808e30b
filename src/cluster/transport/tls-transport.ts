/**
 * Transport over TLS (node:tls), an addition to the original, which only speaks plain TCP
 * (spec §13 weak point 1). A TLS node cannot talk to a plain-TCP (e.g. Go) node.
 *
 * - With `ca`: mutual TLS. The server requires a client certificate chaining to `ca`, the client
 *   requires the server's certificate to chain to `ca`. Peers are dialled by ip:port, so hostname
 *   verification is replaced by "chain verified against the private CA": only holders of a key
 *   the cluster CA signed can connect either way. When `serverName` is set, the server's
 *   certificate must also match that name (RFC 6125 rules via tls.checkServerIdentity).
 * - Without `ca`: encryption only, nothing is verified. This stops passive sniffing, not an
 *   active man in the middle; the token / challenge-response auth still authenticates peers.
 *
 * TLS 1.2 is the minimum version. docs/cluster-tls.md explains the set-up.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { open } from 'node:fs/promises'
import { isIP, type Socket } from 'node:net'
import { isAbsolute, resolve as resolvePath } from 'node:path'
import {
  checkServerIdentity,
  connect as tlsConnect,
  createSecureContext,
  createServer as tlsCreateServer,
  type PeerCertificate,
  type SecureContext,
  type TLSSocket,
} from 'node:tls'
import { DnsplaneError } from '../../errors.js'
import { bindServer, dialSocket, SocketConnection } from './tcp-transport.js'
import { splitHostPort } from './netinfo.js'
import type { Connection, DialOptions, Listener, Transport } from './transport.js'

/** Default bound on the TLS handshake of an accepted socket; silent or stuck sockets are closed after it. */
export const HANDSHAKE_TIMEOUT_MS = 10_000
/** Largest certificate / key / CA file loadTlsMaterial reads. */
export const MAX_TLS_FILE_BYTES = 1024 * 1024
const MIN_TLS_VERSION = 'TLSv1.2'

/** PEM contents for a TlsTransport. */
export interface TlsMaterial {
  /** PEM certificate chain of this node (leaf first). */
  cert: Buffer | string
  /** PEM private key of `cert`. */
  key: Buffer | string
  /** PEM CA bundle; when set, mutual TLS against it. */
  ca?: Buffer | string
}

export interface TlsTransportOptions extends TlsMaterial {
  /** When set (and `ca` is set), the server certificate must also match this name. Also sent as SNI unless it is an IP. */
  serverName?: string
  /** Bound on an accepted socket's handshake (default HANDSHAKE_TIMEOUT_MS). */
  handshakeTimeoutMs?: number
  /**
   * Called when an inbound handshake fails (wrong CA, plain TCP client, timeout). For a log line /
   * metric; `err.message` comes from OpenSSL and is safe to log, `remoteIp` may be ''.
   */
  onHandshakeError?: (err: Error, remoteIp: string) => void
}

/** loadTlsMaterial's result: the file contents plus warnings for the caller to log (e.g. a key readable by others). */
export interface LoadedTlsMaterial {
  cert: Buffer
  key: Buffer
  ca?: Buffer
  warnings: string[]
}

/** Transport over TLS; see the module comment for what is verified with and without `ca`. */
export class TlsTransport implements Transport {
  private readonly context: SecureContext
  private readonly mutual: boolean
  private readonly handshakeTimeoutMs: number

  /** Throws DnsplaneError ERR_CONFIG_INVALID when the PEM material is unusable (bad PEM, key not matching cert). */
  constructor(private readonly opts: TlsTransportOptions) {
    this.mutual = opts.ca !== undefined && String(opts.ca).trim() !== ''
    const timeout = opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS
    if (!Number.isInteger(timeout) || timeout <= 0) {
      throw new DnsplaneError('ERR_CONFIG_INVALID', `handshakeTimeoutMs must be a positive integer, got ${timeout}`)
    }
    this.handshakeTimeoutMs = timeout
    try {
      this.context = createSecureContext(this.contextOptions())
    } catch (cause) {
      throw new DnsplaneError('ERR_CONFIG_INVALID', `cluster TLS material is unusable: ${(cause as Error).message}`, { cause })
    }
  }

  /** True when a CA is configured (mutual TLS). */
  get isMutual(): boolean {
    return this.mutual
  }

  private contextOptions() {
    return {
      cert: this.opts.cert,
      key: this.opts.key,
      ...(this.mutual ? { ca: this.opts.ca } : {}),
      minVersion: MIN_TLS_VERSION,
    } as const
  }

  async listen(addr: string, onConnection: (conn: Connection) => void): Promise<Listener> {
    const { host, port } = splitHostPort(addr)
    const server = tlsCreateServer(
      {
        ...this.contextOptions(),
        requestCert: this.mutual,
        rejectUnauthorized: this.mutual,
        handshakeTimeout: this.handshakeTimeoutMs,
        noDelay: true,
      },
      (socket) => {
        // Belt and braces: rejectUnauthorized already refuses these during the handshake.
        if (this.mutual && !socket.authorized) {
          socket.destroy()
          return
        }
        onConnection(new SocketConnection(socket))
      },
    )
    // Reading the address now caches it on the raw socket, so it is still known if the handshake fails.
    server.on('connection', (raw: Socket) => void raw.remoteAddress)
    // Failed handshakes (wrong CA, plain TCP, timeout) end only that socket; report and go on.
    server.on('tlsClientError', (err, socket) => {
      // Best effort: a socket destroyed during the handshake has lost its own address; Node keeps
      // the wrapped raw socket on the (undocumented) `_parent` field.
      const ip = socket.remoteAddress ?? (socket as unknown as { _parent?: Socket })._parent?.remoteAddress ?? ''
      socket.destroy()
      try {
        this.opts.onHandshakeError?.(err, ip)
      } catch {
        // A faulty observer must not take the listener down.
      }
    })
    return bindServer(server, host, port, addr)
  }

  /** Connects and completes the handshake within `timeoutMs`; rejects on refusal, verification failure, timeout or abort. */
  dial(addr: string, opts: DialOptions): Promise<Connection> {
    const serverName = this.opts.serverName
    return dialSocket(addr, opts, 'secureConnect', (host, port) =>
      tlsConnect({
        host,
        port,
        secureContext: this.context,
        minVersion: MIN_TLS_VERSION,
        rejectUnauthorized: this.mutual,
        // RFC 6066 3: SNI carries host names only, never IP literals.
        ...(serverName && isIP(serverName) === 0 ? { servername: serverName } : {}),
        checkServerIdentity: (_host: string, cert: PeerCertificate) =>
          // Peers are dialled by ip:port; the CA chain check (rejectUnauthorized) is the identity check.
          serverName ? checkServerIdentity(serverName, cert) : undefined,
      }),
    )
  }
}

/** Reads one file with a size bound; `key` names the config key in errors. */
async function readBounded(key: string, path: string): Promise<{ data: Buffer; mode: number }> {
  let fh
  try {
    fh = await open(path, 'r')
  } catch (cause) {
    throw new DnsplaneError('ERR_CONFIG_INVALID', `${key}: cannot open ${JSON.stringify(path)}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause })
  }
  try {
    const st = await fh.stat()
    if (!st.isFile()) throw new DnsplaneError('ERR_CONFIG_INVALID', `${key}: ${JSON.stringify(path)} is not a regular file`)
    if (st.size > MAX_TLS_FILE_BYTES) {
      throw new DnsplaneError('ERR_CONFIG_INVALID', `${key}: ${JSON.stringify(path)} is ${st.size} bytes, over the ${MAX_TLS_FILE_BYTES}-byte limit`)
    }
    // Read at most the bound + 1 so a file that grew after stat is still caught.
    const buf = Buffer.alloc(MAX_TLS_FILE_BYTES + 1)
    let n = 0
    while (n < buf.length) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n)
      if (bytesRead === 0) break
      n += bytesRead
    }
    if (n > MAX_TLS_FILE_BYTES) throw new DnsplaneError('ERR_CONFIG_INVALID', `${key}: ${JSON.stringify(path)} is over the ${MAX_TLS_FILE_BYTES}-byte limit`)
    return { data: Buffer.from(buf.subarray(0, n)), mode: st.mode }
  } catch (err) {
    if (err instanceof DnsplaneError) throw err
    throw new DnsplaneError('ERR_CONFIG_INVALID', `${key}: cannot read ${JSON.stringify(path)}: ${(err as Error).message}`, { cause: err })
  } finally {
    await fh.close()
  }
}

function parseCert(key: string, path: string, data: Buffer): X509Certificate {
  if (!data.includes('-----BEGIN CERTIFICATE-----')) {
    throw new DnsplaneError('ERR_CONFIG_INVALID', `${key}: ${JSON.stringify(path)} holds no PEM certificate`)
  }
  try {
    return new X509Certificate(data)
  } catch (cause) {
    throw new DnsplaneError('ERR_CONFIG_INVALID', `${key}: ${JSON.stringify(path)} is not a valid PEM certificate`, { cause })
  }
}

/**
 * Reads cluster_tls_cert, cluster_tls_key and (optional) cluster_tls_ca. Relative paths are taken
 * relative to `baseDir` (the directory of dnsplane.json) when given. Each file is bounded by
 * MAX_TLS_FILE_BYTES. Throws DnsplaneError ERR_CONFIG_INVALID naming the config key when a file is
 * missing, unreadable, too large, not PEM, or when the key does not belong to the certificate.
 * Warnings (not errors): a key file readable by group/others.
 */
export async function loadTlsMaterial(paths: { cert: string; key: string; ca?: string }, baseDir?: string): Promise<LoadedTlsMaterial> {
  const at = (p: string) => (baseDir && !isAbsolute(p) ? resolvePath(baseDir, p) : p)
  const warnings: string[] = []
  if (!paths.cert.trim()) throw new DnsplaneError('ERR_CONFIG_INVALID', 'cluster_tls_cert: must be set when cluster TLS is used')
  if (!paths.key.trim()) throw new DnsplaneError('ERR_CONFIG_INVALID', 'cluster_tls_key: must be set when cluster TLS is used')
  const certPath = at(paths.cert)
  const keyPath = at(paths.key)
  const cert = await readBounded('cluster_tls_cert', certPath)
  const key = await readBounded('cluster_tls_key', keyPath)
  const leaf = parseCert('cluster_tls_cert', certPath, cert.data)
  let keyObject
  try {
    keyObject = createPrivateKey(key.data)
  } catch (cause) {
    throw new DnsplaneError('ERR_CONFIG_INVALID', `cluster_tls_key: ${JSON.stringify(keyPath)} is not a valid unencrypted PEM private key`, { cause })
  }
  if (!leaf.checkPrivateKey(keyObject)) {
    throw new DnsplaneError('ERR_CONFIG_INVALID', `cluster_tls_key: ${JSON.stringify(keyPath)} does not belong to the certificate in cluster_tls_cert`)
  }
  if ((key.mode & 0o077) !== 0) {
    warnings.push(`cluster_tls_key: ${JSON.stringify(keyPath)} is readable by group or others (mode ${(key.mode & 0o777).toString(8)}); use chmod 600`)
  }
  const out: LoadedTlsMaterial = { cert: cert.data, key: key.data, warnings }
  if (paths.ca !== undefined && paths.ca.trim() !== '') {
    const caPath = at(paths.ca)
    const ca = await readBounded('cluster_tls_ca', caPath)
    parseCert('cluster_tls_ca', caPath, ca.data)
    out.ca = ca.data
  }
  return out
}
