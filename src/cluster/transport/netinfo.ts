/**
 * `cluster join` helpers (spec §12): listen/dial address handling and the token fingerprint.
 * Pure: the interface list comes in as an argument.
 */
import { createHash } from 'node:crypto'
import { clusterToken } from '../../config/cluster-token.js'
import type { JoinInfo } from '../control.js'
import type { ClusterSettings } from '../settings.js'

export const DEFAULT_CLUSTER_PORT = 7946
export const DEFAULT_LISTEN_ADDR = ':7946'

/** Trimmed cluster_listen_addr, or ':7946' when empty. */
export function effectiveListenAddr(listenAddr: string | undefined): string {
  const a = (listenAddr ?? '').trim()
  return a || DEFAULT_LISTEN_ADDR
}

/** Splits 'host:port', ':port' or '[v6]:port'; throws on a malformed address. */
export function splitHostPort(addr: string): { host: string; port: number } {
  const a = addr.trim()
  let host: string
  let portText: string
  if (a.startsWith('[')) {
    const end = a.indexOf(']')
    if (end < 0 || a[end + 1] !== ':') throw new Error(`invalid address ${JSON.stringify(addr)}: want [host]:port`)
    host = a.slice(1, end)
    portText = a.slice(end + 2)
  } else {
    const i = a.lastIndexOf(':')
    if (i < 0 || a.indexOf(':') !== i) throw new Error(`invalid address ${JSON.stringify(addr)}: want host:port`)
    host = a.slice(0, i)
    portText = a.slice(i + 1)
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new Error(`invalid port in ${JSON.stringify(addr)}`)
  return { host, port: Number(portText) }
}

/** Port of a listen address, DEFAULT_CLUSTER_PORT when it cannot be read. */
export function listenPort(listenAddr: string): number {
  try {
    return splitHostPort(effectiveListenAddr(listenAddr)).port
  } catch {
    return DEFAULT_CLUSTER_PORT // an unparsable listen address fails at listen time; join still prints something
  }
}

/** The subset of os.networkInterfaces() used here. */
export type InterfaceMap = Record<string, ReadonlyArray<{ address: string; family: string | number; internal: boolean }> | undefined>

/**
 * Address peers should dial: cluster_advertise_addr when set, else the first non-internal IPv4
 * address (interface enumeration order) with the listen port; '' when there is none.
 */
export function dialAddress(advertiseAddr: string | undefined, listenAddr: string | undefined, interfaces: InterfaceMap): string {
  const adv = (advertiseAddr ?? '').trim()
  if (adv) return adv
  const port = listenPort(effectiveListenAddr(listenAddr))
  for (const addrs of Object.values(interfaces)) {
    for (const a of addrs ?? []) {
      const v4 = a.family === 'IPv4' || a.family === 4
      if (v4 && !a.internal && !a.address.startsWith('127.')) return `${a.address}:${port}`
    }
  }
  return ''
}

/** Hex SHA-256 of the trimmed token; '' when the trimmed token is empty. */
export function tokenFingerprint(token: string | undefined): string {
  const t = clusterToken(token)
  return t ? createHash('sha256').update(t, 'utf8').digest('hex') : ''
}

/**
 * What `cluster join` prints for the other side: node id (the configured one before the state
 * file gave one), listen and dial addresses, and the token's fingerprint (never the token).
 */
export function joinInfo(s: Pick<ClusterSettings, 'cluster_node_id' | 'cluster_listen_addr' | 'cluster_advertise_addr' | 'cluster_auth_token'>, nodeId: string, interfaces: InterfaceMap): JoinInfo {
  return {
    node_id: nodeId || (s.cluster_node_id ?? '').trim(),
    listen_addr: effectiveListenAddr(s.cluster_listen_addr),
    dial_address: dialAddress(s.cluster_advertise_addr, s.cluster_listen_addr, interfaces),
    token_sha256_hex: tokenFingerprint(s.cluster_auth_token),
  }
}
