import t from 'tap'
import { createMetrics, QTYPE_LABELS, RESOLVE_BUCKETS_SECONDS, SNAPSHOT_REJECT_REASONS } from '../../src/metrics/registry.js'
import type { ClusterStatus } from '../../src/cluster/control.js'

/** Parses exposition text into TYPE lines and samples. */
function parse(text: string) {
  const types = new Map<string, string>()
  const helps = new Set<string>()
  const samples: { name: string; labels: Record<string, string>; value: number }[] = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    let m = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (m) { types.set(m[1], m[2]); continue }
    m = /^# HELP (\S+) /.exec(line)
    if (m) { helps.add(m[1]); continue }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`unparsable line: ${line}`)
    const labels: Record<string, string> = {}
    for (const pair of (m[2] ?? '').match(/[a-zA-Z_]+="[^"]*"/g) ?? []) {
      const eq = pair.indexOf('=')
      labels[pair.slice(0, eq)] = pair.slice(eq + 2, -1)
    }
    samples.push({ name: m[1], labels, value: Number(m[3]) })
  }
  const value = (name: string, labels: Record<string, string> = {}) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) &&
      Object.keys(s.labels).length === Object.keys(labels).length)?.value
  return { types, helps, samples, value }
}

const cluster = (over: Partial<ClusterStatus> = {}): ClusterStatus => ({
  enabled: true, node_id: 'node-a', listen_addr: ':7946', replica_only: false, cluster_admin: false,
  peers: [
    { address: '10.0.0.2:7946', reachable: true, last_sync_ok: '2024-01-01T00:00:10Z' },
    { address: '10.0.0.3:7946', reachable: false },
  ],
  local_seq: 3, static_peer_count: 2, srv_peer_count: 0, effective_peer_count: 2, ...over,
})

const expected: [string, string][] = [
  ['dnsplane_queries_total', 'counter'],
  ['dnsplane_cache_hits_total', 'counter'],
  ['dnsplane_blocks_total', 'counter'],
  ['dnsplane_queries_forwarded_total', 'counter'],
  ['dnsplane_queries_answered_total', 'counter'],
  ['dnsplane_server_start_time_seconds', 'gauge'],
  ['dnsplane_dns_resolve_duration_seconds', 'histogram'],
  ['dnsplane_cluster_peers_configured', 'gauge'],
  ['dnsplane_cluster_peers_reachable', 'gauge'],
  ['dnsplane_cluster_peer_last_sync_timestamp_seconds', 'gauge'],
  ['dnsplane_cluster_snapshots_sent_total', 'counter'],
  ['dnsplane_cluster_snapshots_applied_total', 'counter'],
  ['dnsplane_cluster_snapshots_rejected_total', 'counter'],
  ['dnsplane_cluster_frames_total', 'counter'],
  ['dnsplane_cluster_bytes_total', 'counter'],
  ['dnsplane_cluster_auth_failures_total', 'counter'],
  ['dnsplane_cluster_apply_duration_seconds', 'histogram'],
  ['dnsplane_cluster_replication_delay_seconds', 'histogram'],
  ['dnsplane_records_changes_total', 'counter'],
]

t.test('exposes every metric with HELP and TYPE lines', async (t) => {
  const m = createMetrics()
  const p = parse(await m.render())
  for (const [name, type] of expected) {
    t.equal(p.types.get(name), type, `${name} is a ${type}`)
    t.ok(p.helps.has(name), `${name} has HELP`)
  }
  t.match(m.contentType, /^text\/plain; version=0\.0\.4/)
})

t.test('each registry is private: two instances do not collide', async (t) => {
  const a = createMetrics()
  const b = createMetrics()
  t.not(a.registry, b.registry)
  a.observeClusterEvent({ kind: 'auth_failure' })
  t.equal(parse(await b.render()).value('dnsplane_cluster_auth_failures_total'), 0)
})

t.test('reads the query counters and start time at scrape time', async (t) => {
  const m = createMetrics()
  let q = 5
  m.collectFrom({
    counters: () => ({ total_queries: q, total_cache_hits: 2, total_blocks: 1, total_queries_forwarded: 3, total_queries_answered: q }),
    serverStartMs: () => 1_700_000_000_500,
  })
  let p = parse(await m.render())
  t.equal(p.value('dnsplane_queries_total'), 5)
  t.equal(p.value('dnsplane_cache_hits_total'), 2)
  t.equal(p.value('dnsplane_blocks_total'), 1)
  t.equal(p.value('dnsplane_queries_forwarded_total'), 3)
  t.equal(p.value('dnsplane_queries_answered_total'), 5)
  t.equal(p.value('dnsplane_server_start_time_seconds'), 1_700_000_000)
  q = 9
  p = parse(await m.render())
  t.equal(p.value('dnsplane_queries_total'), 9)
})

t.test('a throwing provider does not break the scrape', async (t) => {
  const m = createMetrics()
  m.collectFrom({ counters: () => { throw new Error('boom') } })
  t.equal(parse(await m.render()).value('dnsplane_queries_total'), 0)
})

t.test('resolution latency uses the original buckets and a closed qtype label', async (t) => {
  const m = createMetrics()
  const ev = (qtype: string, ms: number) => ({ at: 0, qname: 'x', qtype, outcome: 'local' as const, rcode: 'NOERROR', duration_ms: ms })
  m.record(ev('A', 3))
  m.record(ev('aaaa', 0.5))
  m.record(ev('TYPE65534', 100))
  m.record(ev('A', Number.NaN))
  const p = parse(await m.render())
  const les = p.samples.filter((s) => s.name === 'dnsplane_dns_resolve_duration_seconds_bucket' && s.labels.qtype === 'A').map((s) => s.labels.le)
  t.same(les, ['0.001', '0.002', '0.004', '0.008', '0.016', '0.032', '0.064', '+Inf'])
  t.equal(p.value('dnsplane_dns_resolve_duration_seconds_bucket', { le: '0.002', qtype: 'A' }), 0)
  t.equal(p.value('dnsplane_dns_resolve_duration_seconds_bucket', { le: '0.004', qtype: 'A' }), 1)
  t.equal(p.value('dnsplane_dns_resolve_duration_seconds_count', { qtype: 'A' }), 1)
  t.equal(p.value('dnsplane_dns_resolve_duration_seconds_count', { qtype: 'AAAA' }), 1)
  t.equal(p.value('dnsplane_dns_resolve_duration_seconds_count', { qtype: 'other' }), 1)
  const qtypes = new Set(p.samples.filter((s) => s.name.startsWith('dnsplane_dns_resolve')).map((s) => s.labels.qtype))
  for (const q of qtypes) t.ok((QTYPE_LABELS as readonly string[]).includes(q), `${q} is in the closed set`)
})

t.test('cluster series move after observeClusterEvent', async (t) => {
  const m = createMetrics()
  const before = parse(await m.render())
  for (const r of SNAPSHOT_REJECT_REASONS) {
    t.equal(before.value('dnsplane_cluster_snapshots_rejected_total', { reason: r }), 0, `${r} starts at 0`)
  }
  m.observeClusterEvent({ kind: 'frame_in', type: 'records_full', bytes: 120 })
  m.observeClusterEvent({ kind: 'frame_out', type: 'pull', bytes: 18 })
  m.observeClusterEvent({ kind: 'frame_in', type: 'attacker-chosen-type', bytes: 7 })
  m.observeClusterEvent({ kind: 'auth_failure' })
  m.observeClusterEvent({ kind: 'snapshot_sent' })
  m.observeClusterEvent({ kind: 'snapshot_applied', duration_ms: 4 })
  m.observeClusterEvent({ kind: 'snapshot_rejected', reason: 'global_lww_stale' })
  m.observeClusterEvent({ kind: 'snapshot_rejected', reason: 'peer says hi' })
  m.observeClusterEvent({ kind: 'replication_delay', duration_ms: 1500 })
  m.observeClusterEvent({ kind: 'sync_ok', peer_index: 1, at: 1_700_000_000_000 })
  m.observeClusterEvent({ kind: 'sync_ok', peer_index: -1, at: 1 })
  const p = parse(await m.render())
  t.equal(p.value('dnsplane_cluster_frames_total', { direction: 'in', type: 'records_full' }), 1)
  t.equal(p.value('dnsplane_cluster_bytes_total', { direction: 'in', type: 'records_full' }), 120)
  t.equal(p.value('dnsplane_cluster_frames_total', { direction: 'out', type: 'pull' }), 1)
  t.equal(p.value('dnsplane_cluster_frames_total', { direction: 'in', type: 'unknown' }), 1)
  t.notOk(p.samples.some((s) => s.labels.type === 'attacker-chosen-type'), 'peer-supplied type never becomes a label')
  t.equal(p.value('dnsplane_cluster_auth_failures_total'), 1)
  t.equal(p.value('dnsplane_cluster_snapshots_sent_total'), 1)
  t.equal(p.value('dnsplane_cluster_snapshots_applied_total'), 1)
  t.equal(p.value('dnsplane_cluster_apply_duration_seconds_count'), 1)
  t.equal(p.value('dnsplane_cluster_snapshots_rejected_total', { reason: 'global_lww_stale' }), 1)
  t.equal(p.value('dnsplane_cluster_snapshots_rejected_total', { reason: 'invalid' }), 1)
  t.equal(p.value('dnsplane_cluster_replication_delay_seconds_count'), 1)
  t.equal(p.value('dnsplane_cluster_replication_delay_seconds_bucket', { le: '1' }), 0)
  t.equal(p.value('dnsplane_cluster_replication_delay_seconds_bucket', { le: '2.5' }), 1)
  t.equal(p.value('dnsplane_cluster_peer_last_sync_timestamp_seconds', { peer_index: '1' }), 1_700_000_000)
  t.equal(p.value('dnsplane_cluster_peer_last_sync_timestamp_seconds', { peer_index: '-1' }), undefined)
})

t.test('cluster gauges follow the status at scrape time, labelled by peer index', async (t) => {
  const m = createMetrics()
  let st = cluster()
  m.collectFrom({ cluster: () => st })
  let p = parse(await m.render())
  t.equal(p.value('dnsplane_cluster_peers_configured'), 2)
  t.equal(p.value('dnsplane_cluster_peers_reachable'), 1)
  t.equal(p.value('dnsplane_cluster_peer_last_sync_timestamp_seconds', { peer_index: '0' }), 1_704_067_210)
  t.equal(p.value('dnsplane_cluster_peer_last_sync_timestamp_seconds', { peer_index: '1' }), undefined)
  t.notOk(p.samples.some((s) => Object.values(s.labels).some((v) => v.includes('10.0.0.'))), 'no address labels')
  st = cluster({ enabled: false, peers: null, effective_peer_count: 0 })
  p = parse(await m.render())
  t.equal(p.value('dnsplane_cluster_peers_configured'), 0)
  t.equal(p.value('dnsplane_cluster_peer_last_sync_timestamp_seconds', { peer_index: '0' }), undefined)
})

t.test('the cluster frame budget is exported at scrape time', async (t) => {
  const m = createMetrics()
  let p = parse(await m.render())
  t.equal(p.value('dnsplane_cluster_frame_budget_bytes'), 0, 'zero without a source')
  t.equal(p.value('dnsplane_cluster_frame_budget_exhausted_total', { action: 'refused' }), 0)
  m.collectFrom({ frameBudget: () => ({ capacity_bytes: 100, in_use_bytes: 60, waits: 3, refusals: 2 }) })
  p = parse(await m.render())
  t.equal(p.types.get('dnsplane_cluster_frame_budget_bytes'), 'gauge')
  t.equal(p.types.get('dnsplane_cluster_frame_budget_exhausted_total'), 'counter')
  t.equal(p.value('dnsplane_cluster_frame_budget_bytes'), 60)
  t.equal(p.value('dnsplane_cluster_frame_budget_exhausted_total', { action: 'paused' }), 3)
  t.equal(p.value('dnsplane_cluster_frame_budget_exhausted_total', { action: 'refused' }), 2)
})

t.test('accepts an extended message type list', async (t) => {
  const m = createMetrics({ messageTypes: ['records_ack'] })
  m.observeClusterEvent({ kind: 'frame_out', type: 'records_ack', bytes: 10 })
  t.equal(parse(await m.render()).value('dnsplane_cluster_frames_total', { direction: 'out', type: 'records_ack' }), 1)
})

t.test('dnsplane_records_mass_delete_held follows the held-back mass delete at scrape time', async (t) => {
  const m = createMetrics()
  t.equal(parse(await m.render()).value('dnsplane_records_mass_delete_held'), 0, 'no source: 0')
  let held = 40
  m.collectFrom({ massDeleteHeld: () => held })
  const p = parse(await m.render())
  t.equal(p.types.get('dnsplane_records_mass_delete_held'), 'gauge')
  t.equal(p.value('dnsplane_records_mass_delete_held'), 40)
  held = 0
  t.equal(parse(await m.render()).value('dnsplane_records_mass_delete_held'), 0, 'confirmed or discarded: back to 0')
})

t.test('dnsplane_dns_limited_total follows the DNS limits at scrape time, 0 without limits', async (t) => {
  const m = createMetrics()
  t.equal(parse(await m.render()).value('dnsplane_dns_limited_total', { action: 'rrl_slipped' }), 0, 'no source: 0')
  m.collectFrom({ dnsLimits: () => undefined })
  t.equal(parse(await m.render()).value('dnsplane_dns_limited_total', { action: 'refused_rate' }), 0, 'no limit configured: 0')
  m.collectFrom({ dnsLimits: () => ({ refused_rate: 4, refused_window: 1, rrl_dropped: 9, rrl_slipped: 3, amplification_truncated: 2, evictions: 5 }) })
  const p = parse(await m.render())
  t.equal(p.types.get('dnsplane_dns_limited_total'), 'counter')
  t.equal(p.value('dnsplane_dns_limited_total', { action: 'refused_rate' }), 4)
  t.equal(p.value('dnsplane_dns_limited_total', { action: 'rrl_dropped' }), 9)
  t.equal(p.value('dnsplane_dns_limited_total', { action: 'amplification_truncated' }), 2)
  t.equal(p.value('dnsplane_dns_limited_total', { action: 'evictions' }), 5)
})

t.test('dnsplane_records_unanswerable reports the records that load but are never answered', async (t) => {
  const m = createMetrics()
  t.equal(parse(await m.render()).value('dnsplane_records_unanswerable'), 0, 'no source: 0')
  m.collectFrom({ recordsUnanswerable: () => 3 })
  const p = parse(await m.render())
  t.equal(p.types.get('dnsplane_records_unanswerable'), 'gauge')
  t.equal(p.value('dnsplane_records_unanswerable'), 3)
})

t.test('dnsplane_dns_updates_total counts UPDATE events by rcode', async (t) => {
  const m = createMetrics()
  m.record({ at: 0, qname: 'example.test', qtype: 'UPDATE', outcome: 'update', rcode: 'NOERROR', duration_ms: 1 })
  m.record({ at: 0, qname: 'example.test', qtype: 'UPDATE', outcome: 'update', rcode: 'BADSIG', duration_ms: 1 })
  m.record({ at: 0, qname: 'example.test', qtype: 'A', outcome: 'local', rcode: 'NOERROR', duration_ms: 1 })
  const text = await m.render()
  t.match(text, /dnsplane_dns_updates_total\{rcode="NOERROR"\} 1/)
  t.match(text, /dnsplane_dns_updates_total\{rcode="BADSIG"\} 1/)
})

t.test('dnsplane_records_changes_total has a zero series per source from the first scrape', async (t) => {
  const m = createMetrics()
  for (const s of ['local', 'cluster', 'replica', 'file', 'reload']) t.equal(parse(await m.render()).value('dnsplane_records_changes_total', { source: s }), 0, s)
  m.recordChangesTotal.labels('reload').inc()
  t.equal(parse(await m.render()).value('dnsplane_records_changes_total', { source: 'reload' }), 1)
})

t.test('a fast-path hit observes latency 0 under its qtype; JSON and reset agree with the text', async (t) => {
  const m = createMetrics()
  m.recordHit(0, undefined, { qname: 'x', qtype: 'A', rcode: 'NOERROR' })
  m.recordHit(0, '192.0.2.1', { qname: 'x', qtype: 'mx', outcome: 'cache', rcode: 'NOERROR' })
  m.recordHit(0, undefined, { qname: 'x', qtype: 'TYPE99', rcode: 'NOERROR' })
  const p = parse(await m.render())
  t.equal(p.value('dnsplane_dns_resolve_duration_seconds_bucket', { le: '0.001', qtype: 'A' }), 1)
  t.equal(p.value('dnsplane_dns_resolve_duration_seconds_sum', { qtype: 'A' }), 0)
  t.equal(p.value('dnsplane_dns_resolve_duration_seconds_count', { qtype: 'MX' }), 1)
  t.equal(p.value('dnsplane_dns_resolve_duration_seconds_count', { qtype: 'other' }), 1)
  t.equal(p.value('dnsplane_dns_resolve_duration_seconds_count', { qtype: 'AAAA' }), undefined, 'a qtype never observed is absent, as prom-client')
  const json = await m.registry.getMetricsAsJSON()
  const h = json.find((x) => x.name === 'dnsplane_dns_resolve_duration_seconds')
  t.equal(h?.type, 'histogram')
  t.same(h?.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count') && v.labels.qtype === 'A')?.value, 1)
  m.registry.resetMetrics()
  t.equal(parse(await m.render()).value('dnsplane_dns_resolve_duration_seconds_count', { qtype: 'A' }), undefined)
  m.resolveDurationSeconds.observeAt(-1, 1)
  m.resolveDurationSeconds.observeAt(99, 1)
  m.resolveDurationSeconds.observeAt(m.resolveDurationSeconds.labelIndex('A'), 1)
  const after = parse(await m.render())
  t.equal(after.value('dnsplane_dns_resolve_duration_seconds_bucket', { le: '0.064', qtype: 'A' }), 0, 'above every bound')
  t.equal(after.value('dnsplane_dns_resolve_duration_seconds_bucket', { le: '+Inf', qtype: 'A' }), 1)
  t.equal(after.value('dnsplane_dns_resolve_duration_seconds_sum', { qtype: 'A' }), 1)
})

t.test('the resolve histogram prints what a prom-client Histogram prints for the same observations', async (t) => {
  const { Histogram, Registry } = await import('prom-client')
  const ref = new Registry()
  const h = new Histogram({ name: 'dnsplane_dns_resolve_duration_seconds', help: 'Time to resolve one question, in seconds, by query type.', labelNames: ['qtype'], buckets: [...RESOLVE_BUCKETS_SECONDS], registers: [ref] })
  const m = createMetrics()
  const obs: [string, number][] = [['A', 0], ['A', 0.003], ['TXT', 0.5], ['A', 0.0015], ['SOA', 0.064]]
  for (const [q, s] of obs) {
    h.labels(q).observe(s)
    m.record({ at: 0, qname: 'x', qtype: q, outcome: 'local', rcode: 'NOERROR', duration_ms: s * 1000 })
  }
  const block = (text: string) => text.split('\n').filter((l) => l.includes('dnsplane_dns_resolve_duration_seconds')).sort()
  t.same(block(await m.render()), block(await ref.metrics()))
})
