import t from 'tap'
import { clusterStatusBlocks, peerRows, statusJson, summaryLine } from '../../../src/tui/commands/cluster-view.js'

t.test('statusJson keeps only the wrapped status object', async (t) => {
  t.same(statusJson({ healthy: true, peers: [], status: { enabled: true } }), { enabled: true })
  t.same(statusJson({ enabled: false, status: null }), { enabled: false, status: null })
  t.same(statusJson({ status: [1] }), { status: [1] })
})

t.test('summary line: record count from the node status, else the replica, and the verdict', async (t) => {
  t.same(summaryLine({ enabled: true, node_id: 'a', sync_policy: 'record_lww', healthy: true, peers: [], replica: { live: 1 } }, undefined), { text: 'node a · policy record_lww · 1 record · in sync (no peers)', tone: 'success' })
  t.same(summaryLine({ enabled: true, replica_only: true, healthy: false, peers: [{ reachable: true }] }, 0), { text: 'node — · policy — · 0 records · replica only · NOT in sync (1/1 peers reachable)', tone: 'warning' })
})

t.test('peer rows: rtt, last sync ago, real lag, pending, records and digest, error', async (t) => {
  const now = Date.parse('2024-01-01T00:01:08Z')
  t.same(peerRows({ peers: [{ address: 'a:1', reachable: true, last_probe_rtt_ms: 12.6, last_sync_ok: '2024-01-01T00:00:00Z', replication_lag_seconds: 0, digest_match: true, last_probe_error: 'timeout' }] }, now), [
    ['a:1', '—', 'yes (13 ms)', '1m 8s ago', '0s', '0', '✓', 'timeout'],
  ])
  t.same(peerRows({ peers: [{ address: 'b:1', reachable: true, records: 5, digest_match: true }] })[0].slice(2), ['yes', 'never', '—', '0', '5 ✓', ''])
  t.same(
    peerRows({ peers: [{ address: 'c:1', reachable: false, last_probe_rtt_ms: 3, last_sync_ok: 'soon', replication_lag_seconds: 75, pending_entries: 4, records: 7, digest_match: false }] })[0].slice(2, 7),
    ['no', 'soon', '1m 15s', '4', '7 ✗ differs'],
    'no RTT for an unreachable peer; an unreadable time is shown as sent',
  )
  t.same(peerRows({ peers: [{ address: 'go:1', reachable: true, caps: [] }] })[0][6], '—', 'a Go peer tells no count: —')
  t.same(peerRows({ peers: [{ address: 'n:1', reachable: true, caps: ['challenge/2'] }] })[0][6], '…', 'ours, figures stale after a sync: …')
  t.same(peerRows({}), [])
})

t.test('the view adds discovery errors and nothing else for a node with clustering off', async (t) => {
  const blocks = clusterStatusBlocks({ enabled: true, healthy: true, peers: [], cluster_discovery_srv: '_dnsplane._tcp.example.com', discovery_last_error: 'NXDOMAIN' })
  t.same(blocks.at(-1), { kind: 'text', text: 'discovery (_dnsplane._tcp.example.com): NXDOMAIN', tone: 'warning' })
  t.equal(clusterStatusBlocks({ enabled: false }).length, 1)
})
