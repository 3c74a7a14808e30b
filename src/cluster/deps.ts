/** What the daemon hands the cluster node (ClusterDeps). Types only. */
import type { Logger } from 'pino'
import type { RecordStore } from '../store/record-store.js'
import type { ResolveSrv } from './peers/discovery.js'
import type { ClusterLimits, ClusterSettings } from './settings.js'
import type { FrameBudget } from './transport/frame-budget.js'
import type { InterfaceMap } from './transport/netinfo.js'
import type { Transport } from './transport/transport.js'
import type { Message } from './wire/messages.js'

export interface ClusterDeps {
  /** Current settings, read at each use (so token/peer/role changes apply to the next operation). */
  settings: () => ClusterSettings
  /** Persists a change of cluster_* keys to dnsplane.json (peer add/remove, admin_config_apply). */
  updateSettings: (patch: Partial<ClusterSettings>) => Promise<void>
  store: RecordStore
  /** Path of cluster_state.json (next to dnsplane.json; see state-file.statePathFor). */
  statePath: string
  /** Path of cluster_replica.json (record_lww); default: cluster_replica.json beside statePath. */
  replicaPath?: string
  /** Reported in status: 'tls' / 'mutual_tls' when the daemon built a TLS transport. */
  transportKind?: 'tcp' | 'tls' | 'mutual_tls'
  log: Logger
  /** SRV lookup; default node:dns/promises resolveSrv (the system resolver). */
  resolveSrv?: ResolveSrv
  /** Default: TcpTransport. */
  transport?: Transport
  /** Epoch milliseconds; default Date.now. */
  now?: () => number
  /** Random bytes; default crypto.randomBytes. */
  random?: (bytes: number) => Buffer
  /** Probe period; default PROBE_INTERVAL_MS (30 s). */
  probeIntervalMs?: number
  /** True when records come from url/git/bind_dir: no pushes, incoming applies fail. */
  readOnlySource?: boolean
  /** Default os.networkInterfaces (for the join dial-address guess). */
  networkInterfaces?: () => InterfaceMap
  /** Override limits (tests). */
  limits?: Partial<ClusterLimits>
  /** Node-wide memory budget of inbound frames (default INBOUND_FRAME_BUDGET_BYTES; the daemon shares it with metrics). */
  frameBudget?: FrameBudget
  /** Ours: serves this node's DNSSEC key files to an authenticated peer (daemon/share-keys.ts); absent = not a signer, not announced. */
  dnssecKeys?: (zone: string, remoteIp: string) => Message
}
