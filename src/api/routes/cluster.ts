/**
 * Our cluster endpoints under /api/v1/cluster (the original had these only in the TUI).
 * Without a ClusterControl every one answers 409 ERR_CLUSTER_DISABLED "cluster is not enabled".
 */
import { Type } from '@sinclair/typebox'
import type { ClusterControl, ClusterStatus, PeerStatus } from '../../cluster/control.js'
import { DnsplaneError } from '../../errors.js'
import type { ApiDeps } from '../deps.js'
import type { ApiApp } from './shared.js'

/** host:port, IPv6 hosts in brackets; the port 1-65535 is checked by ClusterControl. */
const PeerAddress = Type.String({
  minLength: 3,
  maxLength: 300,
  pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[^\\s:/\\[\\]]+):[0-9]{1,5}$',
  errorMessage: 'must be host:port',
})
const Role = Type.Union([Type.Literal('full'), Type.Literal('readonly')])

const AddPeerBody = Type.Object({ address: PeerAddress, role: Type.Optional(Role) })
const RoleBody = Type.Object({ address: PeerAddress, role: Role })
const AddressBody = Type.Object({ address: PeerAddress })
const PeerParams = Type.Object({ address: PeerAddress })

/** The health summary the TUI shows per peer. */
export interface PeerSummary {
  address: string
  reachable: boolean
  rtt_ms: number | null
  last_sync_ok: string | null
  last_error: string | null
}

export function summarizePeer(p: PeerStatus): PeerSummary {
  return {
    address: p.address,
    reachable: p.reachable,
    rtt_ms: p.last_probe_rtt_ms ?? null,
    last_sync_ok: p.last_sync_ok ?? p.last_pull_ok ?? null,
    last_error: p.last_probe_error || p.last_outbound_error || null,
  }
}

/** `healthy` from the manager when it computes one, else: every peer reachable (true with no peers). */
export function summarizeCluster(status: ClusterStatus): { node_id: string; enabled: boolean; healthy: boolean; peers: PeerSummary[] } {
  const peers = (status.peers ?? []).map(summarizePeer)
  return {
    node_id: status.node_id,
    enabled: status.enabled,
    healthy: status.healthy ?? peers.every((p) => p.reachable),
    peers,
  }
}

export function registerClusterRoutes(app: ApiApp, deps: ApiDeps): void {
  const cluster = (): ClusterControl => {
    if (!deps.cluster) throw new DnsplaneError('ERR_CLUSTER_DISABLED', 'cluster is not enabled')
    return deps.cluster
  }

  app.get('/api/v1/cluster', async () => {
    const status = cluster().status()
    return { ...summarizeCluster(status), status }
  })

  app.post('/api/v1/cluster/pull', async () => {
    const results = await cluster().pull()
    return { status: 'cluster: pull triggered', results }
  })

  app.get('/api/v1/cluster/join', async () => cluster().join())

  app.post('/api/v1/cluster/peers', { schema: { body: AddPeerBody } }, async (request, reply) => {
    const messages = await cluster().addPeer(request.body.address, request.body.role)
    return reply.code(201).send({ status: 'cluster: peer added and persisted', messages })
  })

  app.delete('/api/v1/cluster/peers/:address', { schema: { params: PeerParams } }, async (request) => {
    await cluster().removePeer(request.params.address)
    return { status: 'cluster: peer removed' }
  })

  app.post('/api/v1/cluster/peers/role', { schema: { body: RoleBody } }, async (request) => {
    await cluster().setPeerRole(request.body.address, request.body.role)
    return { status: 'cluster: peer role updated on remote' }
  })

  app.post('/api/v1/cluster/push/records', { schema: { body: AddressBody } }, async (request) => {
    await cluster().pushRecords(request.body.address)
    return { status: 'cluster: push records sent' }
  })

  app.post('/api/v1/cluster/push/config', { schema: { body: AddressBody } }, async (request) => {
    await cluster().pushConfig(request.body.address)
    return { status: 'cluster: config pushed to peer' }
  })
}
