/**
 * Who holds the DNS-over-HTTPS connections and streams, so one client cannot take them all: the
 * connection caps of the TCP listener (RFC 7766 §6.2.2, through TcpClientTable, an idle connection
 * makes room) plus a cap on the requests one client has open at once over all its connections
 * (HTTP/2 multiplexes, so a connection cap alone does not bound the work one client queues).
 * Keyed by client (IPv4 address, IPv6 /64); no sockets of its own beyond what it is handed.
 */
import type { Socket } from 'node:net'
import type { TcpAdmission } from './query-event.js'
import { clientKey, TcpClientTable, type TcpClientEntry } from './tcp-clients.js'

interface DohConn extends TcpClientEntry {
  readonly sock: Socket
  /** peerOf(sock), taken while the socket is open. */
  readonly peer: string
}

export interface DohClientCaps {
  maxConnections: number
  maxConnectionsPerClient: number
  /** Requests of one client being answered at once, over all its connections. */
  maxStreamsPerClient: number
}

/** A request's hold on its client's stream budget; release() once the stream closes (idempotent). */
export interface StreamHold {
  release(): void
}

export class DohClients {
  private readonly table: TcpClientTable<DohConn>
  /** Connections by "address|port" of the peer: a request finds its connection by the socket's peer. */
  private readonly byPeer = new Map<string, DohConn>()
  private readonly streams = new Map<string, number>()

  constructor(
    private readonly caps: DohClientCaps,
    private readonly onAdmission: (what: TcpAdmission) => void = () => {},
  ) {
    this.table = new TcpClientTable(caps.maxConnections, caps.maxConnectionsPerClient)
  }

  /** Admits a new connection (closing an idle one for it if needed); false = it was refused and destroyed. */
  admit(sock: Socket): boolean {
    const conn: DohConn = { key: clientKey(sock.remoteAddress ?? ''), inflight: 0, lastActive: 0, sock, peer: peerOf(sock) }
    const admission = this.table.admit(conn.key)
    if (!admission.admit) {
      this.onAdmission('refused')
      sock.destroy()
      return false
    }
    if (admission.evict) {
      this.onAdmission('evicted')
      this.forget(admission.evict)
      admission.evict.sock.destroy()
    }
    this.onAdmission('accepted')
    this.table.add(conn)
    this.byPeer.set(conn.peer, conn)
    sock.once('close', () => this.forget(conn))
    return true
  }

  /** Takes one of the client's stream slots for a request from `sock`; undefined = the client is at its cap. */
  openStream(sock: Pick<Socket, 'remoteAddress' | 'remotePort'> | undefined): StreamHold | undefined {
    const key = clientKey(sock?.remoteAddress ?? '')
    const open = this.streams.get(key) ?? 0
    if (open >= this.caps.maxStreamsPerClient) return undefined
    this.streams.set(key, open + 1)
    const conn = sock ? this.byPeer.get(peerOf(sock)) : undefined
    if (conn) {
      conn.inflight++ // a connection with a request open is not idle: never evicted for a newcomer
      this.table.touch(conn)
    }
    let held = true
    return {
      release: () => {
        if (!held) return
        held = false
        const left = (this.streams.get(key) ?? 1) - 1
        if (left > 0) this.streams.set(key, left)
        else this.streams.delete(key)
        if (conn) {
          conn.inflight--
          this.table.touch(conn)
        }
      },
    }
  }

  /** Connections tracked now. */
  get connections(): number {
    return this.table.size
  }

  private forget(conn: DohConn): void {
    this.table.delete(conn)
    if (this.byPeer.get(conn.peer) === conn) this.byPeer.delete(conn.peer)
  }
}

function peerOf(sock: Pick<Socket, 'remoteAddress' | 'remotePort'>): string {
  return `${sock.remoteAddress ?? ''}|${sock.remotePort ?? ''}`
}
