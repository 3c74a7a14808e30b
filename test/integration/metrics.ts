import t from 'tap'
import { startTestNode, waitFor, freePort, type TestNode, pairClusterConfig } from '../helpers/daemon.js'
import { queryUdp } from '../helpers/dns-client.js'
import { recordsOf } from '../helpers/dns-packet.js'

const TOKEN = 'metrics-cluster-shared-secret'

interface Scrape {
  types: Map<string, string>
  helps: Set<string>
  /** Sample key `name{labels as written}` -> value. */
  samples: Map<string, number>
}

/** Parses Prometheus text exposition (0.0.4): # HELP / # TYPE lines and `name{labels} value` samples. */
function parseExposition(text: string): Scrape {
  const types = new Map<string, string>()
  const helps = new Set<string>()
  const samples = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line)
    if (meta) {
      if (meta[1] === 'TYPE') types.set(meta[2], meta[3])
      else helps.add(meta[2])
      continue
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/.exec(line)
    if (!sample) throw new Error(`unparseable exposition line: ${line}`)
    samples.set(sample[1], Number(sample[2]))
  }
  return { types, helps, samples }
}

async function scrape(node: TestNode): Promise<Scrape> {
  const res = await fetch(`http://127.0.0.1:${node.apiPort}/metrics`)
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`)
  if (!/^text\/plain/.test(res.headers.get('content-type') ?? '')) throw new Error(`content-type ${res.headers.get('content-type')}`)
  return parseExposition(await res.text())
}

/** The value of one series; a missing series is 0 (counters start there). */
const value = (s: Scrape, key: string): number => s.samples.get(key) ?? 0

async function answers(node: TestNode, name: string): Promise<string[]> {
  const p = await queryUdp(node.dnsPort, name, 'A', 500)
  return recordsOf(p.answers).map((a) => String(a.data))
}

t.test('metrics of a two-node cluster: names, types, and the series that move with a replicated write', async (t) => {
  const portA = await freePort()
  const portB = await freePort()
  const cluster = (own: number, peer: number, id: string) => pairClusterConfig(own, peer, id, TOKEN)
  const a = await startTestNode(cluster(portA, portB, 'node-a'))
  t.teardown(() => a.daemon.stop())
  const b = await startTestNode(cluster(portB, portA, 'node-b'))
  t.teardown(() => b.daemon.stop())

  const expectedTypes: Record<string, string> = {
    dnsplane_queries_total: 'counter',
    dnsplane_cache_hits_total: 'counter',
    dnsplane_blocks_total: 'counter',
    dnsplane_queries_forwarded_total: 'counter',
    dnsplane_queries_answered_total: 'counter',
    dnsplane_server_start_time_seconds: 'gauge',
    dnsplane_dns_resolve_duration_seconds: 'histogram',
    dnsplane_cluster_peers_configured: 'gauge',
    dnsplane_cluster_peers_reachable: 'gauge',
    dnsplane_cluster_peer_last_sync_timestamp_seconds: 'gauge',
    dnsplane_cluster_snapshots_sent_total: 'counter',
    dnsplane_cluster_snapshots_applied_total: 'counter',
    dnsplane_cluster_snapshots_rejected_total: 'counter',
    dnsplane_cluster_frames_total: 'counter',
    dnsplane_cluster_bytes_total: 'counter',
    dnsplane_cluster_auth_failures_total: 'counter',
    dnsplane_cluster_apply_duration_seconds: 'histogram',
    dnsplane_cluster_replication_delay_seconds: 'histogram',
  }
  const beforeA = await scrape(a)
  const beforeB = await scrape(b)
  for (const [name, type] of Object.entries(expectedTypes)) {
    t.equal(beforeA.types.get(name), type, `${name} is a ${type}`)
    t.ok(beforeA.helps.has(name), `${name} has a HELP line`)
    t.equal(beforeB.types.get(name), type, `${name} is a ${type} on the second node too`)
  }
  t.ok(value(beforeA, 'dnsplane_server_start_time_seconds') > 1_600_000_000, 'start time is a Unix time in seconds')
  t.equal(value(beforeA, 'dnsplane_cluster_peers_configured'), 1)

  // Probes run every 500 ms: wait until each side sees the other.
  const reachable = await waitFor(async () => {
    const [sa, sb] = await Promise.all([scrape(a), scrape(b)])
    return value(sa, 'dnsplane_cluster_peers_reachable') >= 1 && value(sb, 'dnsplane_cluster_peers_reachable') >= 1
  }, 5000)
  t.ok(reachable, 'dnsplane_cluster_peers_reachable >= 1 on both nodes')

  const midA = await scrape(a)
  const midB = await scrape(b)
  const res = await fetch(`http://127.0.0.1:${a.apiPort}/dns/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'metered.example.com', type: 'A', value: '192.0.2.55', ttl: 60 }),
  })
  t.equal(res.status, 201)
  const replicated = await waitFor(async () => (await answers(b, 'metered.example.com')).includes('192.0.2.55'), 5000)
  t.ok(replicated, 'node B answers the record written on node A')

  // The push is acknowledged just after B applies it; give A's counters a bounded moment.
  const afterA = await waitFor(async () => {
    const s = await scrape(a)
    return value(s, 'dnsplane_cluster_replication_delay_seconds_count') >= 1 ? s : undefined
  }, 5000)
  t.ok(afterA, 'the replication delay was observed on the writer')
  if (!afterA) return
  // B credits the sync to its configured peer right after applying; wait for that too (bounded).
  const lastSyncB = 'dnsplane_cluster_peer_last_sync_timestamp_seconds{peer_index="0"}'
  const afterB = (await waitFor(async () => {
    const s = await scrape(b)
    return value(s, lastSyncB) > 0 ? s : undefined
  }, 5000)) ?? (await scrape(b))
  const sent = 'dnsplane_cluster_snapshots_sent_total'
  t.ok(value(afterA, sent) > value(midA, sent), `A: ${sent} increased`)
  const outFull = 'dnsplane_cluster_frames_total{direction="out",type="records_full"}'
  t.ok(value(afterA, outFull) > value(midA, outFull), 'A: records_full frames out increased')
  const outBytes = 'dnsplane_cluster_bytes_total{direction="out",type="records_full"}'
  t.ok(value(afterA, outBytes) > value(midA, outBytes), 'A: records_full bytes out increased')
  const applied = 'dnsplane_cluster_snapshots_applied_total'
  t.ok(value(afterB, applied) > value(midB, applied), `B: ${applied} increased`)
  const inFull = 'dnsplane_cluster_frames_total{direction="in",type="records_full"}'
  t.ok(value(afterB, inFull) > value(midB, inFull), 'B: records_full frames in increased')
  t.ok(value(afterB, 'dnsplane_cluster_apply_duration_seconds_count') >= 1, 'B: apply duration observed')
  t.ok(value(afterB, 'dnsplane_cluster_peers_reachable') >= 1, 'B: peer reachable')
  const delayInf = value(afterA, 'dnsplane_cluster_replication_delay_seconds_bucket{le="+Inf"}')
  t.equal(delayInf, value(afterA, 'dnsplane_cluster_replication_delay_seconds_count'), 'histogram +Inf bucket equals count')
  t.ok(value(afterA, 'dnsplane_cluster_peer_last_sync_timestamp_seconds{peer_index="0"}') > 1_600_000_000, 'A: last sync with peer 0 set')
  t.ok(value(afterB, lastSyncB) > 1_600_000_000, 'B: last sync with peer 0 set')
  t.equal(value(afterA, 'dnsplane_cluster_auth_failures_total'), 0, 'no auth failures with the shared token')

  // DNS traffic moves the query counters and the latency histogram.
  const queriesBefore = value(afterB, 'dnsplane_queries_total')
  const latencyBefore = value(afterB, 'dnsplane_dns_resolve_duration_seconds_count{qtype="A"}')
  for (let i = 0; i < 3; i++) t.same(await answers(b, 'metered.example.com'), ['192.0.2.55'])
  const afterQueries = await scrape(b)
  t.equal(value(afterQueries, 'dnsplane_queries_total'), queriesBefore + 3, 'dnsplane_queries_total counts the three queries')
  t.ok(value(afterQueries, 'dnsplane_queries_answered_total') >= 3, 'answered counter moved')
  t.equal(value(afterQueries, 'dnsplane_dns_resolve_duration_seconds_count{qtype="A"}'), latencyBefore + 3, 'three A latencies observed')
  const buckets = [...afterQueries.samples.keys()]
    .filter((k) => k.startsWith('dnsplane_dns_resolve_duration_seconds_bucket{') && k.includes('qtype="A"'))
    .map((k) => /le="([^"]+)"/.exec(k)?.[1])
  t.same(buckets, ['0.001', '0.002', '0.004', '0.008', '0.016', '0.032', '0.064', '+Inf'], 'the original latency buckets')
})
