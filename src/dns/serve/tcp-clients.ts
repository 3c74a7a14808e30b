/**
 * Who holds the DNS-over-TCP connections, so one client cannot take them all (RFC 7766 §6.2.2:
 * limit connections per client; §6.2.3: close idle ones first when resources run short). Pure:
 * no sockets, no clock; "least recently active" is a sequence number bumped on every use.
 */
import { expandIpv6 } from '../limit/client-prefix.js'

/** One tracked connection; the server owns the socket, the table only its bookkeeping. */
export interface TcpClientEntry {
  /** clientKey() of the peer address. */
  readonly key: string
  /** Queries received and not yet answered: a connection with any is not idle. */
  inflight: number
  /** Sequence of the last query or answer on it (larger = more recent). */
  lastActive: number
}

/** What to do with a new connection: admit it (after closing `evict`, if set) or refuse it. */
export type TcpAdmission<E> = { admit: true; evict?: E } | { admit: false; reason: 'client_limit' | 'server_full' }

/** IPv6 clients are grouped by this prefix length: one host or site usually gets a whole /64. */
export const IPV6_CLIENT_PREFIX_BITS = 64

/**
 * The key connections are counted under: an IPv4 address as is (also when IPv4-mapped, ::ffff:a.b.c.d),
 * an IPv6 address by its /64 ("2001:db8:0:1::/64"), anything unparsable as itself.
 */
export function clientKey(ip: string): string {
  const addr = ip.split('%')[0].toLowerCase()
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(addr)
  if (mapped) return mapped[1]
  if (!addr.includes(':')) return addr
  const groups = expandIpv6(addr)
  if (!groups) return addr
  const keep = IPV6_CLIENT_PREFIX_BITS / 16
  return groups.slice(0, keep).map((g) => g.toString(16)).join(':') + `::/${IPV6_CLIENT_PREFIX_BITS}`
}

/** Connections by client key, with the admission rules of RFC 7766 §6.2. */
export class TcpClientTable<E extends TcpClientEntry> {
  private readonly byClient = new Map<string, Set<E>>()
  private total = 0
  private seq = 0

  /** `maxTotal` connections in all, at most `maxPerClient` of them from one client key. */
  constructor(
    private readonly maxTotal: number,
    private readonly maxPerClient: number,
  ) {}

  get size(): number {
    return this.total
  }

  countFor(key: string): number {
    return this.byClient.get(key)?.size ?? 0
  }

  /**
   * Decides on a new connection from `key`. A client at its own cap gives up its least recently
   * active idle connection (else the newcomer is refused). When the server is full, the least recently
   * active idle connection of the busiest client goes, but only of a client that would still hold at
   * least as many connections as the newcomer's; with none idle, the newcomer is refused.
   */
  admit(key: string): TcpAdmission<E> {
    const own = this.countFor(key)
    if (own >= this.maxPerClient) {
      const victim = oldestIdle(this.byClient.get(key))
      return victim ? { admit: true, evict: victim } : { admit: false, reason: 'client_limit' }
    }
    if (this.total < this.maxTotal) return { admit: true }
    const busiest = [...this.byClient.values()].filter((s) => s.size > own).sort((a, b) => b.size - a.size)
    for (const conns of busiest) {
      const victim = oldestIdle(conns)
      if (victim) return { admit: true, evict: victim }
    }
    return { admit: false, reason: 'server_full' }
  }

  add(entry: E): void {
    let set = this.byClient.get(entry.key)
    if (!set) this.byClient.set(entry.key, (set = new Set()))
    if (set.has(entry)) return
    set.add(entry)
    this.total++
    this.touch(entry)
  }

  /** Forgets `entry` (idempotent). */
  delete(entry: E): void {
    const set = this.byClient.get(entry.key)
    if (!set?.delete(entry)) return
    this.total--
    if (set.size === 0) this.byClient.delete(entry.key)
  }

  /** Marks `entry` as just used. */
  touch(entry: E): void {
    entry.lastActive = ++this.seq
  }
}

function oldestIdle<E extends TcpClientEntry>(conns: Set<E> | undefined): E | undefined {
  let best: E | undefined
  for (const c of conns ?? []) {
    if (c.inflight === 0 && (best === undefined || c.lastActive < best.lastActive)) best = c
  }
  return best
}
