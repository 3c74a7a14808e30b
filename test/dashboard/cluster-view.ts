import t from 'tap'
import { readFileSync } from 'node:fs'
import { runInNewContext } from 'node:vm'

// The Cluster panel's rules (src/dashboard/public/cluster.js, a plain browser script) run here in a vm.
interface Judged {
  verdict: string
  stale: string[]
  peers: Array<{ stale: boolean; reason: string; behind: boolean; pending: number; sinceSync: number | null; lag: number | null; rtt: number | null; records: number | null; digestMatch: boolean | null }>
}
type Judge = (c: unknown, nowMs: number, uptime: number) => Judged
const source = readFileSync(new URL('../../src/dashboard/public/cluster.js', import.meta.url), 'utf8')
const sandbox: { window: { dnsplaneCluster?: { judge: Judge; NO_INTERVAL_STALE_SECONDS: number } } } = { window: {} }
runInNewContext(source, sandbox)
const { judge, NO_INTERVAL_STALE_SECONDS } = sandbox.window.dnsplaneCluster!

const NOW = Date.parse('2030-01-01T00:10:00Z')
const ago = (s: number) => new Date(NOW - s * 1000).toISOString()
const cluster = (interval: number, ...peers: object[]) => ({ enabled: true, sync_interval_seconds: interval, peers })

t.test('an in-sync peer shows no lag, however long ago its last sync was', async (t) => {
  const j = judge(cluster(0, { address: 'b', reachable: true, last_sync_ok: ago(35), replication_lag_seconds: 0, last_probe_rtt_ms: 2 }), NOW, 600)
  t.equal(j.verdict, 'in_sync')
  t.equal(j.peers[0].lag, 0, 'time since last sync is not lag')
  t.equal(j.peers[0].sinceSync, 35)
  t.equal(j.peers[0].rtt, 2)
})

t.test('with cluster_sync_interval_seconds 0, an unreachable peer turns red after the grace period', async (t) => {
  t.equal(NO_INTERVAL_STALE_SECONDS, 30)
  const recent = judge(cluster(0, { address: 'b', reachable: false, last_probe_ok: ago(5), last_probe_rtt_ms: 3 }), NOW, 600)
  t.equal(recent.verdict, 'in_sync', 'one missed probe is not out of sync yet')
  t.equal(recent.peers[0].rtt, null, 'no stale RTT for an unreachable peer')
  const old = judge(cluster(0, { address: 'b', reachable: false, last_sync_ok: ago(90), last_probe_ok: ago(60) }), NOW, 600)
  t.equal(old.verdict, 'out_of_sync')
  t.same(old.stale, ['b'])
  t.match(old.peers[0].reason, /unreachable for more than 30 s/)
  t.equal(judge(cluster(0, { address: 'b', reachable: false }), NOW, 10).verdict, 'in_sync', 'never contacted, just started')
  t.equal(judge(cluster(0, { address: 'b', reachable: false }), NOW, 100).verdict, 'out_of_sync', 'never contacted, up 100 s')
})

t.test('pending changes: catching up, then out of sync once they wait longer than the limit', async (t) => {
  const catching = judge(cluster(0, { address: 'b', reachable: true, last_sync_ok: ago(10), pending_entries: 3 }), NOW, 600)
  t.equal(catching.verdict, 'catching_up')
  t.same({ behind: catching.peers[0].behind, pending: catching.peers[0].pending, lag: catching.peers[0].lag }, { behind: true, pending: 3, lag: 10 })
  const stale = judge(cluster(0, { address: 'b', reachable: true, last_sync_ok: ago(40), pending_entries: 3 }), NOW, 600)
  t.equal(stale.verdict, 'out_of_sync')
  t.match(stale.peers[0].reason, /changes pending/)
  const retry = judge(cluster(0, { address: 'b', reachable: true, pending_push: true }), NOW, 600)
  t.equal(retry.peers[0].pending, 1, 'a failed push counts as pending')
  t.equal(retry.verdict, 'out_of_sync', 'never synced with a push waiting')
  t.equal(judge(cluster(0, { address: 'b', reachable: true, pending_push: true }), NOW, 5).verdict, 'catching_up')
})

t.test('with a sync interval, a peer is red after 2x the interval without a sync', async (t) => {
  t.equal(judge(cluster(30, { address: 'b', reachable: true, last_sync_ok: ago(5) }), NOW, 600).verdict, 'in_sync')
  const late = judge(cluster(30, { address: 'b', reachable: true, last_sync_ok: ago(70) }), NOW, 600)
  t.equal(late.verdict, 'out_of_sync')
  t.match(late.peers[0].reason, /no sync for more than 60 s/)
  t.match(judge(cluster(30, { address: 'b', reachable: false }), NOW, 100).peers[0].reason, /never synced/)
  t.equal(judge(cluster(30, { address: 'b', reachable: false }), NOW, 20).verdict, 'in_sync', 'not yet 2x the interval since start')
})

t.test('no peers', async (t) => {
  t.equal(judge({ enabled: true, peers: null }, NOW, 5).verdict, 'no_peers')
})

t.test('the lag of a peer with queued changes is the age of the oldest one, not the time since the last sync', async (t) => {
  const j = judge(cluster(0, { address: 'b', reachable: true, last_sync_ok: ago(2), pending_entries: 1, oldest_pending_seconds: 45, replication_lag_seconds: 45 }), NOW, 600)
  t.equal(j.peers[0].lag, 45)
  t.equal(j.verdict, 'out_of_sync', 'a change waiting 45 s is over the 30 s limit though the last sync was 2 s ago')
  t.match(j.peers[0].reason, /changes pending/)
})

t.test('record count and digest verdict per peer; null when the peer does not tell (a Go peer)', async (t) => {
  const j = judge(cluster(0, { address: 'b', reachable: true, records: 12, digest_match: false }, { address: 'go', reachable: true, caps: [] }), NOW, 600)
  t.same([j.peers[0].records, j.peers[0].digestMatch], [12, false])
  t.same([j.peers[1].records, j.peers[1].digestMatch], [null, null])
})
