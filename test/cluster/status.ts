import t from 'tap'
import type { PeerRecord } from '../../src/cluster/peers/peer-tracker.js'
import { emptyState } from '../../src/cluster/peers/peer-state.js'
import { CLOCK_SKEW_WARN_MS, type ClusterSettings } from '../../src/cluster/settings.js'
import { buildClusterStatus, disabledStatus, isClusterHealthy, maxClockSkewMs, type StatusInput } from '../../src/cluster/status.js'

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5)

const SETTINGS: ClusterSettings = {
  cluster_enabled: true,
  cluster_listen_addr: ':7946',
  cluster_advertise_addr: '',
  cluster_peers: ['10.0.0.2:7946', '10.0.0.3:7946'],
  cluster_auth_token: 'secret-token-of-some-length',
  cluster_node_id: 'n1',
  cluster_sync_interval_seconds: 0,
  cluster_replica_only: false,
  cluster_reject_local_writes: false,
  cluster_admin: false,
  cluster_admin_token: '',
  cluster_sync_policy: '',
  cluster_allowed_writer_node_ids: [],
  cluster_discovery_srv: '',
  cluster_discovery_interval_seconds: undefined,
}

function input(over: Partial<StatusInput> = {}): StatusInput {
  return {
    state: { ...emptyState('n1'), local_seq: 4, peer_seq: { n2: 9 } },
    settings: SETTINGS,
    now: NOW,
    advertiseAddr: '',
    peers: [
      { record: { address: '10.0.0.2:7946', reachable: true, nodeId: 'n2' }, pendingPush: false },
      { record: { address: '10.0.0.3:7946', reachable: false, nodeId: 'constructor' }, pendingPush: true, pendingEntries: 12 },
    ],
    srvPeerCount: 0,
    snapshotsApplied: 3,
    snapshotsRejected: { stale_seq: 1 },
    ...over,
  }
}

t.test('a stopped cluster reports the original disabled object, a fresh copy each time', async (t) => {
  const a = disabledStatus()
  t.same(a, {
    enabled: false, node_id: '', listen_addr: '', replica_only: false, cluster_admin: false, peers: null,
    local_seq: 0, static_peer_count: 0, srv_peer_count: 0, effective_peer_count: 0,
  })
  a.local_seq = 5
  t.equal(disabledStatus().local_seq, 0)
})

t.test('a running node without optional parts leaves their keys out', async (t) => {
  const out = buildClusterStatus(input())
  t.same(out, {
    enabled: true,
    node_id: 'n1',
    listen_addr: ':7946',
    replica_only: false,
    cluster_admin: false,
    peers: [
      { address: '10.0.0.2:7946', reachable: true, replication_lag_seconds: 0, node_id: 'n2', peer_seq: 9 },
      { address: '10.0.0.3:7946', reachable: false, node_id: 'constructor', pending_push: true, pending_entries: 12 },
    ],
    local_seq: 4,
    sync_policy: 'lww_per_node',
    static_peer_count: 2,
    srv_peer_count: 0,
    effective_peer_count: 2,
    healthy: false,
    snapshots_applied: 3,
    snapshots_rejected: { stale_seq: 1 },
    sync_interval_seconds: 0,
    transport: 'tcp',
  })
  t.notOk(Object.hasOwn(out.peers![1], 'peer_seq'), 'a node id that is an Object.prototype key is not looked up there')
})

t.test('advertise address, writers, global-lww, discovery and transport are reported when set', async (t) => {
  const out = buildClusterStatus(
    input({
      settings: {
        ...SETTINGS,
        cluster_replica_only: true,
        cluster_admin: true,
        cluster_sync_policy: 'primary_writer',
        cluster_allowed_writer_node_ids: [' n9 ', ''],
        cluster_discovery_srv: ' _dnsplane._tcp.example. ',
        cluster_sync_interval_seconds: 30,
      },
      state: { ...emptyState('n1'), last_global_lww_unix: 1_700_000_000, last_global_lww_node_id: 'n2' },
      advertiseAddr: '192.0.2.1:7946',
      srvPeerCount: 1,
      discoveryLastRefresh: NOW,
      discoveryLastError: 'SRV lookup timed out',
      transportKind: 'mutual_tls',
    }),
  )
  t.match(out, {
    advertise_addr: '192.0.2.1:7946',
    cluster_port_guess: '192.0.2.1:7946',
    replica_only: true,
    cluster_admin: true,
    sync_policy: 'primary_writer',
    allowed_writer_node_ids: ['n9'],
    last_global_lww_unix: 1_700_000_000,
    last_global_lww_node_id: 'n2',
    cluster_discovery_srv: '_dnsplane._tcp.example.',
    cluster_discovery_interval_seconds: 60,
    discovery_last_refresh: '2026-01-02T03:04:05Z',
    discovery_last_error: 'SRV lookup timed out',
    srv_peer_count: 1,
    sync_interval_seconds: 30,
    transport: 'mutual_tls',
  })
})

t.test('the replica block reports counters, TTL in seconds and the largest peer clock skew', async (t) => {
  const peers = input().peers.map((p, i) => ({ ...p, record: { ...p.record, clockSkewMs: i === 0 ? 200 : -(CLOCK_SKEW_WARN_MS + 1) } }))
  const replica = { entries: 10, live: 7, tombstones: 3, tombstoneTtlMs: 86_400_000, clock: { wall: NOW, counter: 2 }, deltasApplied: 5, antiEntropyRounds: 6 }
  const out = buildClusterStatus(input({ peers, replica }))
  t.same(out.replica, {
    entries: 10, live: 7, tombstones: 3, tombstone_ttl_seconds: 86_400, clock_wall_ms: NOW, clock_counter: 2,
    max_clock_skew_ms: CLOCK_SKEW_WARN_MS + 1, clock_skew_exceeded: true, deltas_applied: 5, anti_entropy_rounds: 6,
  })
  t.equal(out.peers![1].clock_skew_ms, -(CLOCK_SKEW_WARN_MS + 1))
  t.equal(buildClusterStatus(input({ replica })).replica?.clock_skew_exceeded, false)
  t.equal(maxClockSkewMs([]), 0)
})

t.test('healthy: every peer synced recently, or reachable without a sync interval, and none blocked', async (t) => {
  const peer = (p: Partial<PeerRecord>): PeerRecord => ({ address: 'a:1', reachable: false, ...p })
  const cases: Array<[string, PeerRecord[], number, boolean]> = [
    ['no peers', [], 0, true],
    ['reachable, no interval', [peer({ reachable: true })], 0, true],
    ['synced once, no interval', [peer({ lastSyncOk: NOW - 3_600_000 })], 0, true],
    ['never seen, no interval', [peer({})], 0, false],
    ['synced within 2x interval', [peer({ lastSyncOk: NOW - 60_000 })], 30, true],
    ['synced 1 ms too long ago', [peer({ lastSyncOk: NOW - 60_001 })], 30, false],
    ['reachable but never synced with an interval', [peer({ reachable: true })], 30, false],
    ['blocked by an oversized snapshot', [peer({ reachable: true, pushBlocked: true })], 0, false],
    ['one bad peer of two', [peer({ reachable: true }), peer({})], 0, false],
  ]
  for (const [name, peers, interval, want] of cases) {
    t.equal(isClusterHealthy(peers, { ...SETTINGS, cluster_sync_interval_seconds: interval }, NOW), want, name)
  }
})

t.test('replication lag is the age of the oldest undelivered change, not the time since the last sync', async (t) => {
  const peer = (p: Partial<PeerRecord>): PeerRecord => ({ address: 'a:1', reachable: false, ...p })
  const one = (view: StatusInput['peers'][number]) => buildClusterStatus(input({ peers: [view] })).peers![0]
  const idle = one({ record: peer({ reachable: true, lastSyncOk: NOW - 3_600_000 }), pendingPush: false })
  t.equal(idle.replication_lag_seconds, 0, 'an in-sync peer last synced an hour ago has no lag')
  t.notOk('oldest_pending_seconds' in idle)
  const behind = one({ record: peer({ reachable: true, lastSyncOk: NOW - 5_000 }), pendingPush: false, pendingEntries: 3, pendingSince: NOW - 61_500 })
  t.equal(behind.replication_lag_seconds, 61, 'whole seconds since the oldest queued change')
  t.equal(behind.oldest_pending_seconds, 61)
  t.equal(one({ record: peer({}), pendingPush: true, pendingSince: NOW + 5 }).replication_lag_seconds, 0, 'a clock step back gives 0, not a negative lag')
  t.notOk('replication_lag_seconds' in one({ record: peer({}), pendingPush: false }), 'never contacted: unknown')
})

t.test('the record count and digest verdict a peer announced are reported; a Go peer has neither', async (t) => {
  const peers = [
    { record: { address: 'a:1', reachable: true, records: 42, digestMatch: true }, pendingPush: false },
    { record: { address: 'b:1', reachable: true, records: 41, digestMatch: false }, pendingPush: false },
    { record: { address: 'c:1', reachable: true, caps: [] }, pendingPush: false },
  ]
  const out = buildClusterStatus(input({ peers })).peers!
  t.match(out[0], { records: 42, digest_match: true })
  t.match(out[1], { records: 41, digest_match: false })
  t.notOk('records' in out[2] || 'digest_match' in out[2])
})
