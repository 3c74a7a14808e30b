/**
 * Issue #10 items 2 and 3 at the cluster manager: an authenticated peer's invalid records and
 * far-future versions are refused with an error frame naming them, counted, and never stored;
 * the valid rest of the batch is applied, and the receiver's clock stays in range.
 */
import t from 'tap'
import { encodeFrame, FrameDecoder } from '../../src/cluster/wire/codec.js'
import { MAX_HLC_COUNTER, MAX_HLC_WALL } from '../../src/cluster/sync/lww/hlc.js'
import { MemoryTransport } from '../../src/cluster/transport/memory-transport.js'
import { parseMessage, type Message } from '../../src/cluster/wire/messages.js'
import { entryKey } from '../../src/cluster/sync/lww/replica.js'
import type { DnsRecord } from '../../src/store/record.js'
import { waitFor } from '../helpers/daemon.js'
import { makeNode, type TestNode, startAll, rawClient } from '../helpers/cluster-node.js'

const LWW = { cluster_sync_policy: 'record_lww' }

async function authedClient(net: MemoryTransport, addr: string) {
  const { conn, got } = await rawClient(net, addr)
  await conn.write(encodeFrame('{"type":"auth","token":"shared-token"}'))
  if (!(await waitFor(() => got.length >= 1)) || got[0].type !== 'auth_ok') throw new Error('auth failed')
  return { conn, got }
}

const record = (name: string, type: string, value: string): DnsRecord => ({
  name, type, value, ttl: 60, added_on: '0001-01-01T00:00:00Z', updated_on: '0001-01-01T00:00:00Z', last_query: '0001-01-01T00:00:00Z',
})
const entry = (r: DnsRecord, wall: number, counter = 0) => ({ key: entryKey(r), version: { wall, counter, node: 'hostile' }, record: r })

const HOSTILE = [
  record('a.'.repeat(550).slice(0, 1100), 'A', '192.0.2.9'),
  record(`${'l'.repeat(64)}.example`, 'A', '192.0.2.9'),
  record('bad-ip.example', 'A', '999.1.1.1'),
  record('big.example', 'TXT', 'x'.repeat(70_000)),
  { ...record('feb30.example', 'A', '192.0.2.9'), added_on: '2024-02-30T00:00:00Z' },
]
const VALID = [record('good1.example', 'A', '192.0.2.1'), record('good2.example', 'TXT', '"hello"')]

t.test('a delta mixing invalid records with valid ones: valid applied, invalid refused by an error frame naming them, counted, never stored', async (t) => {
  const net = new MemoryTransport()
  const b = makeNode(net, { ...LWW, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' })
  await startAll(t, b)
  const { conn, got } = await authedClient(net, 'b:1')
  const now = Date.now()
  const entries = [entry(VALID[0], now), ...HOSTILE.map((r) => entry(r, now)), entry(VALID[1], now)]
  await conn.write(encodeFrame(JSON.stringify({ type: 'delta', node_id: 'hostile', batch: 7, entries })))
  t.ok(await waitFor(() => got.length >= 2), 'a reply arrives')
  conn.destroy()
  const reply = got[1]
  t.equal(reply.type, 'error', 'no delta_ack: the batch is refused')
  const text = (reply as { message?: string }).message ?? ''
  t.match(text, /^delta batch 7: 5 entries refused, not stored: /)
  t.match(text, /entries\[1\] key "rr:a\.a\.[^"]*" name "a\.a\.[^"]*": name: not a valid DNS name: has 1100 characters, more than 253/)
  t.match(text, /entries\[2\] key "[^"]*" name "l{64}": name: not a valid DNS name: has a label of 64 characters, more than 63/)
  t.match(text, /entries\[3\] key "[^"]*" name "bad-ip\.example": value: must be an IPv4 address/)
  t.match(text, /entries\[4\] key "[^"]*" name "big\.example": value: must be at most 65535 characters/)
  t.match(text, /entries\[5\] key "[^"]*" name "feb30\.example": added_on: must be an RFC 3339 time/)
  t.same(b.store.list().map((r) => r.name).sort(), ['good1.example', 'good2.example'], 'the valid entries are applied')
  const counted = b.events.filter((e) => e.kind === 'records_rejected')
  t.same(
    Object.fromEntries(counted.map((e) => [e.kind === 'records_rejected' ? e.reason : '', e.kind === 'records_rejected' ? e.count : 0])),
    { invalid_name: 2, invalid_value: 2, invalid_time: 1 },
    'counted by reason',
  )
})

t.test('a records_full with invalid records applies its valid subset and answers an error frame naming the rest', async (t) => {
  const net = new MemoryTransport()
  const b = makeNode(net, { ...LWW, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' })
  await startAll(t, b)
  const { conn, got } = await authedClient(net, 'b:1')
  const records = [VALID[0], ...HOSTILE, VALID[1]]
  await conn.write(encodeFrame(JSON.stringify({ type: 'records_full', node_id: 'hostile', seq: 1, records })))
  t.ok(await waitFor(() => got.length >= 2), 'an error frame arrives')
  t.match(got[1], { type: 'error', message: /^records_full seq 1: 5 records refused, not stored: records\[1\] name "a\.a\./ })
  t.ok(await waitFor(() => b.store.list().length === 2), 'the valid subset is applied')
  t.same(b.store.list().map((r) => r.name).sort(), ['good1.example', 'good2.example'])
  conn.destroy()
})

t.test('a far-future version is refused (the valid rest applied) and the receiver clock stays where it was', async (t) => {
  const net = new MemoryTransport()
  const b = makeNode(net, { ...LWW, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' })
  await startAll(t, b)
  const { conn, got } = await authedClient(net, 'b:1')
  const now = Date.now()
  const far = entry(record('future.example', 'A', '192.0.2.7'), MAX_HLC_WALL, MAX_HLC_COUNTER)
  await conn.write(encodeFrame(JSON.stringify({ type: 'delta', node_id: 'hostile', batch: 1, entries: [far, entry(VALID[0], now)] })))
  t.ok(await waitFor(() => got.length >= 2))
  conn.destroy()
  t.match(got[1], { type: 'error', message: /^delta batch 1: 1 entries refused, not stored: entry key "rr:future\.example[^"]*" name "future\.example": version 140737488355328\.2147483648@hostile is \d+ ms ahead of this node's clock \(bound 60000 ms\)/ })
  t.same(b.store.list().map((r) => r.name), ['good1.example'])
  const status = b.manager.status().replica
  t.ok(status && status.clock_wall_ms < now + 60_000, `clock not dragged forward (${status?.clock_wall_ms})`)
  t.ok(b.events.some((e) => e.kind === 'records_rejected' && e.reason === 'future_version'), 'counted as future_version')
  await b.store.add({ name: 'after.example', type: 'A', value: '192.0.2.8' })
  t.ok(await waitFor(() => b.events.some((e) => e.kind === 'local_versions')), 'the node still versions its own writes')
})

t.test('an honest node whose version is refused keeps it queued and delivers it once within the bound', async (t) => {
  const net = new MemoryTransport()
  let bOffset = 0
  const a = makeNode(net, { ...LWW, cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] }, {
    deps: { now: () => Date.now() + 120_000, limits: { pushRetryMinMs: 20, pushRetryMaxMs: 40 } },
  })
  const b = makeNode(net, { ...LWW, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' }, { deps: { now: () => Date.now() + bOffset } })
  await startAll(t, a, b)
  await a.store.add({ name: 'skewed.example', type: 'A', value: '192.0.2.1' })
  t.ok(await waitFor(() => /ahead of this node's clock/.test(a.manager.status().peers?.[0].last_outbound_error ?? '')), 'B refused the version 2 minutes ahead')
  t.equal(b.store.list().length, 0)
  t.ok(a.manager.status().peers?.[0].pending_entries, 'A keeps the entry queued')
  bOffset = 120_000 // B's clock catches up: the same version is now within the bound
  t.ok(await waitFor(() => b.store.list().some((r) => r.name === 'skewed.example')), 'the retry lands')
})
