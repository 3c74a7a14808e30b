// record_lww benchmark, two parts (real dnsplane processes on 127.0.0.N; prints Markdown tables and
// the command; not a test; needs dist/: npx tsc -p tsconfig.json && node scripts/copy-assets.mjs):
//
// bytes: two nodes A, B (direct link) preloaded with the same N records (one dnsrecords.json, ids
//   included). After start-up anti-entropy has settled (both report replica.live = N, one round
//   done, nothing pending), REPS times: POST one new record on A, wait until B answers it over UDP,
//   and take the increase of A's dnsplane_cluster_bytes_total / _frames_total (out, and in) by type.
//   A window that contains probe (ping/pong) or anti-entropy frames is measured again. Compared with
//   the records_full frame of the same records (encodeMessage from dist/ + 4 bytes), and with the
//   same experiment under lww_per_node when FULL=1. Also: the bytes of the start-up sync, and of one
//   `cluster pull` (anti-entropy round) when already in sync.
// partition: three nodes in a full mesh, every directed link through a LinkProxy (bench/lib/proxy.mjs;
//   cluster_peers = the proxies). Per run: cut {0} | {1,2}; write K new records on node 0 and K on
//   the other side (alternating nodes 1 and 2), and both sides update one shared record (a
//   conflict); hold HOLD_S s; heal; time until GET /dns/records is identical on all three nodes
//   (polled every POLL_MS), then count written records missing anywhere (lost). Per
//   cluster_sync_interval_seconds in INTERVALS, one cluster serves all runs. COMPARE=1 adds one run
//   per K under lww_per_node (same scenario) and counts what is missing there.
// Knobs: PARTS ("bytes partition"), SIZES ("1000,10000,100000"), REPS (5), FULL (1), KS ("1,100,1000"),
//        RUNS (5), INTERVALS ("0 5"), HOLD_S (15), POLL_MS (200), CONVERGE_TIMEOUT_S (150),
//        COMPARE (1), COMPARE_TIMEOUT_S (60), WRITE_CONCURRENCY (8), BENCH_TIMEOUT_S (3000).
// Usage: node bench/lww.mjs      (or BENCH=lww bash bench/run.sh)
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { encodeMessage } from '../dist/cluster/wire/messages.js'
import { formatGoTime, GO_ZERO_TIME } from '../dist/store/record.js'
import { DnsProber } from './lib/dns.mjs'
import { BenchNode } from './lib/node.mjs'
import { cleanup, installExitHandlers, removeDir, tempDir } from './lib/proc.mjs'
import { LinkProxy } from './lib/proxy.mjs'
import { fmt, int, loadText, log, markdownTable, percentile } from './lib/stats.mjs'

const list = (v, d) => (v ?? d).split(/[\s,]+/).filter(Boolean)
const PARTS = list(process.env.PARTS, 'bytes partition')
const SIZES = list(process.env.SIZES, '1000,10000,100000').map(Number)
const REPS = Number(process.env.REPS ?? 5)
const FULL = process.env.FULL !== '0'
const KS = list(process.env.KS, '1,100,1000').map(Number)
const RUNS = Number(process.env.RUNS ?? 5)
const INTERVALS = list(process.env.INTERVALS, '0 5').map(Number)
const HOLD_S = Number(process.env.HOLD_S ?? 15)
const POLL_MS = Number(process.env.POLL_MS ?? 200)
const CONVERGE_TIMEOUT_S = Number(process.env.CONVERGE_TIMEOUT_S ?? 150)
const COMPARE = process.env.COMPARE !== '0'
const COMPARE_TIMEOUT_S = Number(process.env.COMPARE_TIMEOUT_S ?? 60)
const WRITE_CONCURRENCY = Number(process.env.WRITE_CONCURRENCY ?? 8)
const BENCH_TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 3000)
const CLUSTER_TOKEN = 'bench-cluster-token'
const API_TOKEN = 'bench-api-token'
const ZONE = 'bench.test'

for (const p of PARTS) if (p !== 'bytes' && p !== 'partition') throw new Error(`PARTS: unknown part ${p} (bytes, partition)`)
for (const n of SIZES) if (!(Number.isInteger(n) && n >= 3)) throw new Error(`SIZES: ${n} is not an integer >= 3`)
for (const k of KS) if (!(Number.isInteger(k) && k >= 1 && k <= 60000)) throw new Error(`KS: ${k} is not 1..60000`)
installExitHandlers(BENCH_TIMEOUT_S * 1000)

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const soa = { name: ZONE, type: 'SOA', value: `ns1.${ZONE}. hostmaster.${ZONE}. 1 3600 900 604800 60`, ttl: 3600, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME }
const CONFLICT_ID = '00000000-0000-4000-8000-00000000c0f1'
const conflictSeed = { id: CONFLICT_ID, name: `conflict.${ZONE}`, type: 'A', value: '192.0.2.10', ttl: 3600, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME }

/** n records as the API writes them (UUID id, added_on with ms): the SOA and n-1 A hosts. */
function generate(n) {
  const base = Date.parse('2026-11-22T00:00:00Z')
  const out = [soa]
  for (let i = 0; i < n - 1; i++) {
    out.push({ id: randomUUID(), name: `host${i}.${ZONE}`, type: 'A', value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, ttl: 3600, added_on: formatGoTime(new Date(base + i)), updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME })
  }
  return out
}

// ------------------------------------------------------------------ metrics & status helpers

/** Parses /metrics: { 'out/delta': bytes, ... } for bytes and frames of the cluster. */
async function clusterCounters(node) {
  const res = await fetch(`http://${node.host}:${node.apiPort}/metrics`, { headers: { authorization: `Bearer ${API_TOKEN}` }, signal: AbortSignal.timeout(10_000) })
  const text = await res.text()
  const bytes = {}
  const frames = {}
  for (const line of text.split('\n')) {
    const m = /^dnsplane_cluster_(bytes|frames)_total\{([^}]*)\}\s+(\S+)/.exec(line)
    if (!m) continue
    const labels = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]))
    const key = `${labels.direction}/${labels.type}`
    ;(m[1] === 'bytes' ? bytes : frames)[key] = Number(m[3])
  }
  return { bytes, frames }
}

/** after - before, per key, zero entries dropped. */
function diff(before, after) {
  const out = {}
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const d = (after[k] ?? 0) - (before[k] ?? 0)
    if (d !== 0) out[k] = d
  }
  return out
}
const sumDir = (d, dir) => Object.entries(d).filter(([k]) => k.startsWith(`${dir}/`)).reduce((a, [, v]) => a + v, 0)
const byType = (d, dir) => Object.fromEntries(Object.entries(d).filter(([k]) => k.startsWith(`${dir}/`)).map(([k, v]) => [k.slice(dir.length + 1), v]))
const typesText = (o) => Object.entries(o).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${int(v)}`).join(', ')

async function clusterStatus(node) {
  const r = await node.api('GET', '/api/v1/cluster', undefined, 10_000)
  if (r.status !== 200) throw new Error(`${node.id}: GET /api/v1/cluster answered ${r.status}`)
  return r.json.status
}

/** Waits (bounded) until every node's replica has `live` entries, one anti-entropy round done, and nothing pending. */
async function waitReplicaSettled(nodes, live, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    const st = await Promise.all(nodes.map(clusterStatus))
    last = st.map((s, i) => `${nodes[i].id}: live=${s.replica?.live} rounds=${s.replica?.anti_entropy_rounds} pending=${s.peers?.map((p) => `${p.pending_entries ?? 0}${p.pending_push ? '+push' : ''}`).join('/')}`).join('; ')
    const ok = st.every((s) => s.replica && s.replica.live === live && s.replica.anti_entropy_rounds >= 1 && s.peers.every((p) => !p.pending_push && !p.pending_entries))
    if (ok) return st
    await sleep(250)
  }
  throw new Error(`replicas did not settle within ${timeoutMs} ms: ${last}`)
}

/** A canonical view of a node's served records: sorted lines "id|name|type|value|ttl". */
async function recordSet(node) {
  const r = await node.api('GET', '/dns/records', undefined, 30_000)
  if (r.status !== 200) throw new Error(`${node.id}: GET /dns/records answered ${r.status}`)
  return (r.json.records ?? []).map((x) => `${x.id ?? ''}|${x.name}|${x.type}|${x.value}|${x.ttl}`).sort()
}

async function post(node, rec) {
  const r = await node.api('POST', '/dns/records', rec, 30_000)
  if (r.status !== 201) throw new Error(`${node.id}: POST ${rec.name} answered ${r.status}: ${JSON.stringify(r.json)}`)
}

/** Runs fn(i) for i in 0..n-1 with at most `limit` at once. */
async function pool(n, limit, fn) {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, n) }, async () => {
    while (next < n) await fn(next++)
  }))
}

// ------------------------------------------------------------------ part 1: bytes per change

async function startPair(n, policy, records) {
  const nodes = []
  for (const [i, id] of ['node-a', 'node-b'].entries()) {
    nodes.push(await BenchNode.create({ id, host: `127.0.0.${i + 2}`, dir: tempDir(`dnsplane-bench-lww-${id}-`), apiToken: API_TOKEN }))
  }
  for (const node of nodes) {
    node.writeFiles({
      cluster_peers: nodes.filter((x) => x !== node).map((x) => x.clusterAddr),
      cluster_auth_token: CLUSTER_TOKEN,
      cluster_sync_policy: policy,
      // no periodic anti-entropy inside the measurement window (the start-up round still runs)
      cluster_sync_interval_seconds: 3600,
    }, records)
  }
  const startMs = 60_000 + n * 2
  await Promise.all(nodes.map((x) => x.start(startMs)))
  return nodes
}

async function stopNodes(nodes) {
  await Promise.allSettled(nodes.map((x) => x.stop()))
  for (const x of nodes) removeDir(x.dir)
}

async function measureBytes(n, policy, prober) {
  log(`bytes: ${int(n)} records, ${policy}, ${loadText()}`)
  const records = generate(n)
  const t0 = performance.now()
  const [a, b] = await startPair(n, policy, records)
  const row = { n, policy, load: loadText() }
  try {
    if (policy === 'record_lww') {
      await waitReplicaSettled([a, b], n, 120_000 + n)
      row.settleMs = performance.now() - t0
      const [ca, cb] = await Promise.all([clusterCounters(a), clusterCounters(b)])
      row.startupBytes = sumDir(ca.bytes, 'out') + sumDir(cb.bytes, 'out')
      row.startupTypes = [[a, ca], [b, cb]].map(([x, c]) => `${x.id} out ${int(sumDir(c.bytes, 'out'))} B in ${int(sumDir(c.frames, 'out'))} frames`).join('; ')
      // what each start-up anti-entropy round moved (from the nodes' info lines)
      row.startupRounds = [a, b].flatMap((x) => x.grepLog(/anti-entropy exchanged/).map((l) => {
        try {
          const j = JSON.parse(l)
          return `${x.id}: buckets_differ ${j.buckets_differ}, received ${j.received}, won ${j.won}, sent ${j.sent}`
        } catch {
          return `${x.id}: ${l.slice(0, 160)}`
        }
      })).join('; ') || 'no round exchanged entries'
      // one anti-entropy round now that both hold the same entries: only the digest should travel
      await sleep(500)
      const m0 = await clusterCounters(a)
      const pr = await a.api('POST', '/api/v1/cluster/pull', undefined, 60_000)
      if (pr.status !== 200) throw new Error(`cluster pull answered ${pr.status}: ${JSON.stringify(pr.json)}`)
      await sleep(300)
      const d = diff(m0.bytes, (await clusterCounters(a)).bytes)
      row.pullOut = sumDir(d, 'out')
      row.pullIn = sumDir(d, 'in')
      row.pullTypes = `out: ${typesText(byType(d, 'out'))}; in: ${typesText(byType(d, 'in'))}`
    } else {
      await sleep(2000)
    }
    const samples = []
    let attempts = 0
    while (samples.length < REPS && attempts < REPS * 3) {
      attempts++
      const i = attempts
      const name = `change${i}.n${n}.${ZONE}`
      const ip = `192.0.2.${i}`
      const m0 = await clusterCounters(a)
      const f0 = m0.frames
      const tw = performance.now()
      const waiting = prober.waitAll([{ host: b.host, port: b.dnsPort }], name, ip, { intervalMs: 2, timeoutMs: 30_000 })
      await post(a, { name, type: 'A', value: ip, ttl: 60 })
      const [at] = await waiting
      if (at === null) throw new Error(`${name} did not reach B within 30 s`)
      await sleep(500) // the delta_ack / session close and any follow-up delivery
      const m1 = await clusterCounters(a)
      const d = diff(m0.bytes, m1.bytes)
      const df = diff(f0, m1.frames)
      const noise = Object.keys(d).filter((k) => /\/(ping|pong|digest|bucket_entries)$/.test(k))
      if (noise.length > 0) {
        log(`  change ${i}: window had ${noise.join(', ')} (probe / anti-entropy): measured again`)
        continue
      }
      samples.push({ ms: at - tw, out: sumDir(d, 'out'), in: sumDir(d, 'in'), outTypes: byType(d, 'out'), inTypes: byType(d, 'in'), framesOut: sumDir(df, 'out'), framesIn: sumDir(df, 'in'), frameTypes: `out: ${typesText(byType(df, 'out'))}; in: ${typesText(byType(df, 'in'))}` })
    }
    if (samples.length === 0) throw new Error('no clean measurement window')
    const mid = [...samples].sort((x, y) => x.out - y.out)[Math.floor(samples.length / 2)]
    Object.assign(row, {
      reps: samples.length,
      out: mid.out,
      outMin: Math.min(...samples.map((s) => s.out)),
      outMax: Math.max(...samples.map((s) => s.out)),
      in: mid.in,
      outTypes: mid.outTypes,
      inTypes: mid.inTypes,
      frameTypes: mid.frameTypes,
      ms: percentile(samples.map((s) => s.ms), 50),
    })
    // records_full of the same record set plus the change (what lww_per_node pushes)
    const snap = encodeMessage({ type: 'records_full', node_id: a.id, seq: 1, timestamp_unix: Math.floor(Date.now() / 1000), records: [...records, { id: randomUUID(), name: `change.n${n}.${ZONE}`, type: 'A', value: '192.0.2.1', ttl: 60, added_on: formatGoTime(new Date()), updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME }] })
    row.fullBytes = Buffer.byteLength(snap, 'utf8') + 4
    return row
  } catch (err) {
    for (const x of [a, b]) log(`--- ${x.id} log tail\n${x.log.slice(-15).join('\n')}`)
    throw err
  } finally {
    await stopNodes([a, b])
  }
}

// ------------------------------------------------------------------ part 2: partition & heal

async function startMesh(policy, interval) {
  const nodes = []
  for (let i = 0; i < 3; i++) {
    nodes.push(await BenchNode.create({ id: `node-${i}`, host: `127.0.0.${i + 2}`, dir: tempDir(`dnsplane-bench-part-${i}-`), apiToken: API_TOKEN }))
  }
  // links[i][j]: node i dials node j through it; listens on j's host, dials from i's host
  const links = nodes.map(() => [])
  for (const [i, from] of nodes.entries()) {
    for (const [j, to] of nodes.entries()) {
      if (i === j) continue
      const p = new LinkProxy(`${i}->${j}`, to.host, { host: to.host, port: to.clusterPort }, from.host)
      await p.start()
      links[i][j] = p
    }
  }
  for (const [i, node] of nodes.entries()) {
    node.writeFiles({
      cluster_peers: nodes.map((_, j) => j).filter((j) => j !== i).map((j) => links[i][j].address),
      cluster_auth_token: CLUSTER_TOKEN,
      cluster_sync_policy: policy,
      cluster_sync_interval_seconds: interval,
    }, [soa, conflictSeed])
  }
  await Promise.all(nodes.map((x) => x.start()))
  return { policy, nodes, links, proxies: links.flat().filter(Boolean) }
}

/** Polls until the three record sets are identical; resolves { ms, sets } or { ms: null, sets } at the timeout. */
async function waitIdentical(nodes, t0, timeoutMs) {
  const deadline = performance.now() + timeoutMs
  let sets
  for (;;) {
    sets = await Promise.all(nodes.map(recordSet))
    const at = performance.now()
    const key = sets.map((s) => s.join('\n'))
    if (key.every((k) => k === key[0])) return { ms: at - t0, sets }
    if (at > deadline) return { ms: null, sets }
    await sleep(POLL_MS)
  }
}

async function partitionRun(mesh, k, run, tag) {
  const { nodes, links } = mesh
  const side0 = [[0, 1], [0, 2], [1, 0], [2, 0]].map(([i, j]) => links[i][j])
  const written = []
  for (const p of side0) p.cut()
  const tCut = performance.now()
  // K new records on node 0, K on the other side (alternating nodes 1 and 2)
  const jobs = []
  for (let i = 0; i < k; i++) {
    jobs.push({ node: nodes[0], rec: { name: `r${run}-${i}.s0.k${k}.${tag}.${ZONE}`, type: 'A', value: `10.0.${i >> 8}.${i & 255}`, ttl: 60 } })
    jobs.push({ node: nodes[1 + (i % 2)], rec: { name: `r${run}-${i}.s1.k${k}.${tag}.${ZONE}`, type: 'A', value: `10.1.${i >> 8}.${i & 255}`, ttl: 60 } })
  }
  await pool(jobs.length, WRITE_CONCURRENCY, async (i) => {
    await post(jobs[i].node, jobs[i].rec)
    written.push(`${jobs[i].rec.name}|A|${jobs[i].rec.value}`)
  })
  // a conflict: both sides update the shared record
  const conflictValues = [`198.51.100.${(run * 2) % 250}`, `198.51.100.${(run * 2 + 1) % 250}`]
  for (const [side, node] of [nodes[0], nodes[1]].entries()) {
    const r = await node.api('PUT', '/dns/records', { id: CONFLICT_ID, name: conflictSeed.name, type: 'A', value: conflictValues[side], ttl: 3600 }, 30_000)
    if (r.status !== 200) throw new Error(`${node.id}: PUT conflict answered ${r.status}: ${JSON.stringify(r.json)}`)
  }
  const writeMs = performance.now() - tCut
  await sleep(HOLD_S * 1000)
  const before = await Promise.all(nodes.map(clusterCounters))
  for (const p of side0) p.heal()
  const tHeal = performance.now()
  const res = await waitIdentical(nodes, tHeal, (mesh.policy === 'record_lww' ? CONVERGE_TIMEOUT_S : COMPARE_TIMEOUT_S) * 1000)
  const after = await Promise.all(nodes.map(clusterCounters))
  const healBytes = before.reduce((a, m, i) => a + sumDir(diff(m.bytes, after[i].bytes), 'out'), 0)
  // lost: written records missing on some node (counted per node), and the conflict's final values
  const missing = res.sets.map((s) => {
    const have = new Set(s.map((line) => line.split('|').slice(1, 4).join('|')))
    return written.filter((w) => !have.has(w)).length
  })
  const conflict = [...new Set(res.sets.map((s) => s.find((l) => l.startsWith(`${CONFLICT_ID}|`))?.split('|')[3] ?? 'absent'))]
  return { k, ms: res.ms, writeMs, healBytes, missing, lost: Math.max(...missing), conflict, written: written.length }
}

async function partitionSeries(policy, interval, ks, runs) {
  log(`partition: ${policy}, cluster_sync_interval_seconds ${interval}, ${loadText()}`)
  const mesh = await startMesh(policy, interval)
  const rows = []
  try {
    if (policy === 'record_lww') await waitReplicaSettled(mesh.nodes, 2, 60_000)
    else await sleep(2000)
    for (const k of ks) {
      const samples = []
      const load0 = loadText()
      for (let run = 0; run < runs; run++) {
        const s = await partitionRun(mesh, k, run, `${policy === 'record_lww' ? 'lww' : 'pn'}i${interval}`)
        log(`  K=${k} run ${run + 1}/${runs}: converged ${s.ms === null ? 'NOT within ' + (policy === 'record_lww' ? CONVERGE_TIMEOUT_S : COMPARE_TIMEOUT_S) + ' s' : fmt(s.ms / 1000, 2) + ' s'}, missing per node ${s.missing.join('/')}, conflict ${s.conflict.join(' vs ')}, heal bytes ${int(s.healBytes)}`)
        samples.push(s)
        if (s.ms === null && policy === 'record_lww') break
      }
      const ok = samples.filter((s) => s.ms !== null)
      rows.push({
        policy,
        interval,
        k,
        runs: samples.length,
        converged: ok.length,
        p50: percentile(ok.map((s) => s.ms), 50),
        max: ok.length ? Math.max(...ok.map((s) => s.ms)) : NaN,
        lost: samples.reduce((a, s) => a + s.lost, 0),
        written: samples.reduce((a, s) => a + s.written, 0),
        conflictSplit: samples.filter((s) => s.conflict.length > 1).length,
        healBytes: percentile(samples.map((s) => s.healBytes), 50),
        writeMs: percentile(samples.map((s) => s.writeMs), 50),
        load: `${load0} → ${loadText()}`,
      })
    }
    const st = await Promise.all(mesh.nodes.map((x) => clusterStatus(x).catch(() => undefined)))
    rows.notes = st.map((s, i) => `${mesh.nodes[i].id}: anti_entropy_rounds ${s?.replica?.anti_entropy_rounds ?? '-'}, deltas_applied ${s?.replica?.deltas_applied ?? '-'}, snapshots_applied ${s?.snapshots_applied ?? '-'}`)
    return rows
  } catch (err) {
    for (const x of mesh.nodes) log(`--- ${x.id} log tail\n${x.log.slice(-15).join('\n')}`)
    throw err
  } finally {
    await stopNodes(mesh.nodes)
    await Promise.allSettled(mesh.proxies.map((p) => p.stop()))
  }
}

// ------------------------------------------------------------------ main

const prober = new DnsProber()
await prober.open()
const bytesRows = []
const partRows = []
const notes = []
try {
  if (PARTS.includes('bytes')) {
    for (const n of SIZES) {
      bytesRows.push(await measureBytes(n, 'record_lww', prober))
      if (FULL) bytesRows.push(await measureBytes(n, 'lww_per_node', prober))
    }
  }
  if (PARTS.includes('partition')) {
    for (const interval of INTERVALS) {
      const rows = await partitionSeries('record_lww', interval, KS, RUNS)
      partRows.push(...rows)
      notes.push(`record_lww, interval ${interval}: ${rows.notes.join('; ')}`)
    }
    if (COMPARE) {
      const rows = await partitionSeries('lww_per_node', INTERVALS[INTERVALS.length - 1], KS, 1)
      partRows.push(...rows)
      notes.push(`lww_per_node, interval ${INTERVALS[INTERVALS.length - 1]}: ${rows.notes.join('; ')}`)
    }
  }
} finally {
  prober.close()
  await cleanup()
}

const env = `PARTS="${PARTS.join(' ')}" SIZES=${SIZES.join(',')} REPS=${REPS} FULL=${FULL ? 1 : 0} KS=${KS.join(',')} RUNS=${RUNS} INTERVALS="${INTERVALS.join(' ')}" HOLD_S=${HOLD_S} POLL_MS=${POLL_MS} CONVERGE_TIMEOUT_S=${CONVERGE_TIMEOUT_S} COMPARE=${COMPARE ? 1 : 0} COMPARE_TIMEOUT_S=${COMPARE_TIMEOUT_S}`
console.log(`\n### record_lww (${new Date().toISOString().slice(0, 10)}, node ${process.version})\n`)
console.log(`Command: \`${env} node bench/lww.mjs\`\n`)
if (bytesRows.length) {
  const fullOf = (n) => bytesRows.find((r) => r.n === n && r.policy === 'lww_per_node')
  console.log('#### Bytes on the wire for one record change (two nodes)\n')
  console.log(
    markdownTable(
      ['records', 'policy', 'changes', 'A out bytes (median; min..max)', 'A in bytes', 'records_full frame (computed)', 'lww_per_node measured out', 'ratio (full / this)', 'B answers ms p50', 'machine load'],
      bytesRows.map((r) => [int(r.n), r.policy, r.reps, `${int(r.out)} (${int(r.outMin)}..${int(r.outMax)})`, int(r.in), int(r.fullBytes), r.policy === 'record_lww' && fullOf(r.n) ? int(fullOf(r.n).out) : r.policy === 'lww_per_node' ? int(r.out) : '-', r.policy === 'record_lww' ? `${fmt(r.fullBytes / r.out, 0)}×` : '-', fmt(r.ms), r.load]),
    ),
  )
  console.log('\nBy frame type (median change; A\'s counters, bytes incl. the 4-byte prefix):\n')
  console.log(markdownTable(['records', 'policy', 'out bytes by type', 'in bytes by type', 'frames'], bytesRows.map((r) => [int(r.n), r.policy, typesText(r.outTypes), typesText(r.inTypes), r.frameTypes])))
  const lww = bytesRows.filter((r) => r.policy === 'record_lww')
  if (lww.length) {
    console.log('\nrecord_lww start-up and in-sync anti-entropy (same pairs):\n')
    console.log(markdownTable(['records', 'start → settled s', 'start-up bytes out (A+B)', 'per node', 'start-up anti-entropy rounds (node log)', 'one `cluster pull` in sync: A out / in bytes', 'frames of that pull'], lww.map((r) => [int(r.n), fmt(r.settleMs / 1000, 1), int(r.startupBytes), r.startupTypes, r.startupRounds, `${int(r.pullOut)} / ${int(r.pullIn)}`, r.pullTypes])))
  }
  console.log(`\nA out bytes: increase of A's dnsplane_cluster_bytes_total{direction="out"} (all types, auth handshake included) from before the POST until 500 ms after B answers the new name over UDP (polled every 2 ms); windows with probe (ping) or anti-entropy frames are measured again. records_full (computed): encodeMessage of the same records plus the new one, + 4 bytes.`)
}
if (partRows.length) {
  console.log(`\n#### Convergence after a partition heals (3 nodes, {0} | {1,2}, held ${HOLD_S} s after the writes)\n`)
  console.log(
    markdownTable(
      ['policy', 'cluster_sync_interval_seconds', 'K per side', 'runs', 'converged', 'heal → identical p50 s', 'max s', 'lost writes', 'conflict split (runs)', 'bytes out during heal (p50, all nodes)', 'writes took p50 s', 'machine load'],
      partRows.map((r) => [r.policy, r.interval, r.k, r.runs, r.converged, fmt(r.p50 / 1000, 2), fmt(r.max / 1000, 2), `${r.lost} of ${r.written}`, r.conflictSplit, int(r.healBytes), fmt(r.writeMs / 1000, 2), r.load]),
    ),
  )
  console.log(`\nheal → identical: from healing the proxies until GET /dns/records (id, name, type, value, ttl) is identical on the three nodes, polled every ${POLL_MS} ms (bound ${CONVERGE_TIMEOUT_S} s; lww_per_node ${COMPARE_TIMEOUT_S} s). lost writes: written records missing on the worst node, summed over runs. Each run also updates one shared record on both sides (conflict split: runs whose nodes ended with different values).`)
  for (const n of notes) console.log(`\n${n}`)
}
