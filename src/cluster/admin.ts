/**
 * Cluster administration: admin_config_apply both ways (spec §6; the receiver compares the admin
 * token in constant time) and the peer list edits of the control surface (add, remove, set-role,
 * push-config). Settings changes are persisted through ClusterDeps.updateSettings.
 */
import type { Logger } from 'pino'
import { DnsplaneError } from '../errors.js'
import { adminPatch, adminToken } from './admin-patch.js'
import type { PeerRole } from './control.js'
import type { ClusterEvent } from './events.js'
import { staticPeerList } from './peers/discovery.js'
import type { Session } from './session/dialer.js'
import { secretsEqual } from './session/tokens.js'
import { ADMIN_DEADLINE_MS, ADMIN_DIAL_TIMEOUT_MS, type ClusterSettings } from './settings.js'
import type { AdminConfigApplyMessage, Message, ParseResult } from './wire/messages.js'

export interface AdminDeps {
  settings: () => ClusterSettings
  updateSettings: (patch: Partial<ClusterSettings>) => Promise<void>
  log: Logger
  emit: (e: ClusterEvent) => void
  parse: (frame: Buffer) => ParseResult
  dial: (peer: string, dialTimeoutMs: number, deadlineMs: number) => Promise<Session>
  /** The trimmed cluster token; '' = none. */
  token: () => string
  /** Throws ERR_CLUSTER_NO_TOKEN when the cluster token is empty. */
  requireToken: () => void
  /** A source sent a wrong admin token (counts toward blocking it). */
  onBadToken: (remoteIp: string) => void
  /** cluster_peers changed here: recompute the effective peers. */
  onPeersChanged: () => void
  /** An admin message changed settings: recompute peers, re-arm the pull timer, refresh discovery. */
  onSettingsChanged: () => void
}

type AdminFields = Omit<AdminConfigApplyMessage, 'type' | 'admin_token'>

export class Admin {
  constructor(private readonly deps: AdminDeps) {}

  /** Receiver side of admin_config_apply: the reply frame to send. */
  async apply(msg: AdminConfigApplyMessage, remoteIp: string): Promise<Message> {
    const { deps } = this
    const expected = adminToken(deps.settings())
    if (!expected) {
      deps.emit({ kind: 'admin_config', outcome: 'refused_disabled' })
      return { type: 'admin_config_fail', message: 'remote admin disabled (empty cluster_admin_token)' }
    }
    if (!secretsEqual(msg.admin_token, expected)) {
      deps.emit({ kind: 'admin_config', outcome: 'refused_token' })
      deps.onBadToken(remoteIp)
      return { type: 'admin_config_fail', message: 'invalid admin token' }
    }
    const out = adminPatch(msg)
    if (!out.ok) {
      deps.emit({ kind: 'admin_config', outcome: 'refused_invalid' })
      return { type: 'admin_config_fail', message: out.message }
    }
    try {
      await deps.updateSettings(out.patch)
    } catch (err) {
      deps.emit({ kind: 'admin_config', outcome: 'persist_failed' })
      deps.log.error({ err }, 'cluster admin config could not be persisted')
      return { type: 'admin_config_fail', message: `cannot persist settings: ${(err as Error).message}` }
    }
    deps.log.info({ keys: Object.keys(out.patch) }, 'cluster admin config applied')
    deps.emit({ kind: 'admin_config', outcome: 'applied' })
    deps.onSettingsChanged()
    return { type: 'admin_config_ok' }
  }

  /** Adds a peer to cluster_peers (persisted); with a role, also sets it on the remote. */
  async addPeer(address: string, role?: PeerRole): Promise<string[]> {
    const addr = address.trim()
    if (!addr) throw new DnsplaneError('ERR_BAD_REQUEST', 'peer address is empty')
    const peers = [...(this.deps.settings().cluster_peers ?? [])]
    if (peers.some((p) => p.trim() === addr)) throw new DnsplaneError('ERR_BAD_REQUEST', `peer already in cluster_peers: ${addr}`)
    await this.deps.updateSettings({ cluster_peers: [...peers, addr] })
    this.deps.onPeersChanged()
    const messages = ['cluster: peer added and persisted']
    if (role) {
      try {
        await this.setPeerRole(addr, role)
        messages.push('cluster: peer role updated on remote')
      } catch (err) {
        messages.push(`peer added locally; remote set-role failed: ${(err as Error).message}`)
      }
    }
    return messages
  }

  async removePeer(address: string): Promise<void> {
    const addr = address.trim()
    const peers = [...(this.deps.settings().cluster_peers ?? [])]
    const kept = peers.filter((p) => p.trim() !== addr)
    if (kept.length === peers.length) throw new DnsplaneError('ERR_NOT_FOUND', `peer not found in cluster_peers: ${addr}`)
    await this.deps.updateSettings({ cluster_peers: kept })
    this.deps.onPeersChanged()
  }

  setPeerRole(address: string, role: PeerRole): Promise<void> {
    return this.send(address.trim(), { cluster_replica_only: role === 'readonly' })
  }

  /**
   * admin_config_apply with this node's token and peers. Ours: the target's own address is left
   * out of the peer list, and this node's cluster_advertise_addr (when set) is added.
   */
  pushConfig(address: string): Promise<void> {
    const addr = address.trim()
    const s = this.deps.settings()
    const peers = staticPeerList(s.cluster_peers ?? []).filter((p) => p !== addr)
    const adv = (s.cluster_advertise_addr ?? '').trim()
    if (adv && adv !== addr && !peers.includes(adv)) peers.push(adv)
    return this.send(addr, { cluster_auth_token: this.deps.token(), cluster_peers: peers })
  }

  private async send(address: string, fields: AdminFields): Promise<void> {
    const s = this.deps.settings()
    if (!s.cluster_admin) throw new DnsplaneError('ERR_CLUSTER_ADMIN', 'cluster: cluster_admin is false on this node')
    this.deps.requireToken()
    const token = adminToken(s)
    if (!token) throw new DnsplaneError('ERR_CLUSTER_ADMIN', 'cluster: set cluster_admin_token on this node to send admin')
    const session = await this.deps.dial(address, ADMIN_DIAL_TIMEOUT_MS, ADMIN_DEADLINE_MS)
    try {
      await session.ch.send({ type: 'admin_config_apply', admin_token: token, ...fields })
      const reply = this.deps.parse(await session.ch.next(ADMIN_DEADLINE_MS))
      if (reply.ok && reply.message.type === 'admin_config_ok') return
      if (reply.ok && reply.message.type === 'admin_config_fail') {
        throw new DnsplaneError('ERR_CLUSTER_ADMIN', `cluster: remote: ${(reply.message as { message?: string }).message ?? ''}`)
      }
      throw new DnsplaneError('ERR_CLUSTER_ADMIN', 'cluster: unexpected response')
    } finally {
      session.close()
    }
  }
}
