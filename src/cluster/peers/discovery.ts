/**
 * Peer discovery (spec §10): SRV name validation, target formatting and the merge of static
 * peers with SRV targets. Pure except discoverSrvPeers, which calls the lookup it is given.
 */

export interface SrvTarget {
  name: string
  port: number
  priority: number
  weight: number
}

export type ResolveSrv = (name: string) => Promise<SrvTarget[]>

/**
 * The name to look up, or undefined when none should be: trimmed, one trailing dot removed,
 * must start with '_' and contain '._tcp.' or '._udp.' (RFC 2782 form).
 */
export function normalizeSrvName(name: string | undefined): string | undefined {
  let n = (name ?? '').trim()
  if (n.endsWith('.')) n = n.slice(0, -1)
  if (!n.startsWith('_')) return undefined
  if (!n.includes('._tcp.') && !n.includes('._udp.')) return undefined
  return n
}

/**
 * host:port peers from SRV answers: stable sort by priority ascending then weight descending,
 * target trailing dot stripped, empty targets and port 0 skipped, IPv6 literals bracketed.
 */
export function srvTargetsToPeers(targets: readonly SrvTarget[]): string[] {
  const sorted = targets
    .map((t, i) => ({ t, i }))
    .sort((a, b) => a.t.priority - b.t.priority || b.t.weight - a.t.weight || a.i - b.i)
  const out: string[] = []
  for (const { t } of sorted) {
    const host = t.name.endsWith('.') ? t.name.slice(0, -1) : t.name
    if (!host || !t.port) continue
    out.push(host.includes(':') ? `[${host}]:${t.port}` : `${host}:${t.port}`)
  }
  return out
}

/**
 * Effective peers: static entries first (config order), then SRV targets not already present;
 * each trimmed, empties dropped, de-duplicated by exact string.
 */
export function mergePeers(staticPeers: readonly string[], srvPeers: readonly string[]): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const raw of [...staticPeers, ...srvPeers]) {
    const p = raw.trim()
    if (!p || seen.has(p)) continue
    seen.add(p)
    out.push(p)
  }
  return out
}

/** Non-empty trimmed static peers (status `static_peer_count`). */
export function staticPeerList(staticPeers: readonly string[]): string[] {
  return staticPeers.map((p) => p.trim()).filter((p) => p !== '')
}

export interface DiscoveryResult {
  /** Peers from SRV (empty on failure or when no valid name is configured). */
  peers: string[]
  /** Error text of a failed lookup. */
  error?: string
  /** False when the name was empty or invalid, so no lookup ran. */
  looked_up: boolean
}

/** Looks up `srvName` with `resolve`; never throws (a failure is returned as `error`). Bound it with a timeout in the caller. */
export async function discoverSrvPeers(srvName: string | undefined, resolve: ResolveSrv): Promise<DiscoveryResult> {
  const name = normalizeSrvName(srvName)
  if (!name) return { peers: [], looked_up: false }
  try {
    return { peers: srvTargetsToPeers(await resolve(name)), looked_up: true }
  } catch (err) {
    return { peers: [], error: (err as Error).message || String(err), looked_up: true }
  }
}
