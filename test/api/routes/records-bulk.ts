/** POST /api/v1/records/bulk (all-or-nothing bulk load) and GET /api/v1/zones/:zone/export over a real FileRecordStore. */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import t from 'tap'
import { buildApi } from '../../../src/api/server.js'
import { bulkItems, bulkQuery, parseNdjson, refusal } from '../../../src/api/routes/records-bulk.js'
import { FileRecordStore } from '../../../src/store/file-store.js'
import type { RecordChange } from '../../../src/store/record-store.js'
import { call, FakeRecordStore, makeDeps } from '../../helpers/api-fakes.js'

async function setup(t: { teardown: (fn: () => unknown) => void }, opts: { flushDelayMs?: number; bulkMaxBytes?: number; writes?: { ok: true } | { ok: false; reason: string } } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-bulk-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'dnsrecords.json')
  const store = await FileRecordStore.open({ path, prettyJson: false, log: pino({ level: 'silent' }), watch: false, flushDelayMs: opts.flushDelayMs ?? 0, seedRecords: [] })
  t.teardown(() => store.stop())
  const changes: RecordChange[] = []
  store.onChange((c) => changes.push(c))
  const { deps } = makeDeps({ records: store, bulkMaxBytes: opts.bulkMaxBytes }, { writes: opts.writes ?? { ok: true } })
  const app = buildApi(deps, { requireAuth: false })
  t.teardown(() => app.close())
  return { app, store, path, changes, dir }
}

const SOA = { name: 'example.com', type: 'SOA', value: 'ns1.example.com. h.example.com. 1 3600 900 604800 300', ttl: 300 }
const NS = { name: 'example.com', type: 'NS', value: 'ns1.example.com.', ttl: 300 }
const hosts = (n: number, zone = 'example.com') => Array.from({ length: n }, (_, i) => ({ name: `h${i}.${zone}`, type: 'A', value: `192.0.2.${i % 250}`, ttl: 60 }))
const rows = (store: FileRecordStore) => store.list().map((r) => `${r.name} ${r.type} ${r.value} ${r.ttl}`).sort()

t.test('add merges: new records added, same records kept (TTL updated), one change event', async (t) => {
  const { app, store, changes } = await setup(t)
  let res = await call(app, 'POST', '/api/v1/records/bulk', [SOA, NS, ...hosts(3)])
  t.equal(res.status, 200)
  t.match(res.json, { status: 'records written', added: 5, updated: 0, deleted: 0, total_after: 5 })
  t.equal(changes.length, 1)
  t.match(changes[0], { source: 'local', kind: 'replace' })
  const ids = store.list().map((r) => r.id)
  // The same host spelled with a trailing-dot-free target and a new TTL: matched by RDATA, not text.
  res = await call(app, 'POST', '/api/v1/records/bulk', [{ ...NS, value: 'ns1.example.com', ttl: 600 }, { name: 'new.example.com', type: 'A', value: '192.0.2.200' }])
  t.match(res.json, { added: 1, updated: 1, unchanged: 0, total_after: 6 })
  t.same(store.list().slice(0, 5).map((r) => r.id), ids, 'ids kept')
  t.equal(store.list().find((r) => r.type === 'NS')?.ttl, 600)
  t.equal(store.list().find((r) => r.name === 'new.example.com')?.ttl, 3600, 'absent TTL: 3600')
  res = await call(app, 'POST', '/api/v1/records/bulk', { records: [NS] })
  t.match(res.json, { added: 0, updated: 1, unchanged: 0 })
  res = await call(app, 'POST', '/api/v1/records/bulk', { records: [{ ...NS, ttl: 300 }] })
  t.match(res.json, { updated: 0, unchanged: 1 })
  t.equal(changes.length, 3, 'a batch that changes nothing emits nothing')
})

t.test('all or nothing: one bad record refuses the batch and names it', async (t) => {
  const { app, store, path } = await setup(t)
  const before = await readFile(path, 'utf8')
  const res = await call(app, 'POST', '/api/v1/records/bulk', [...hosts(2), { name: 'x.example.com', type: 'A', value: '300.0.0.1' }, { name: '', type: 'A', value: '192.0.2.1' }])
  t.equal(res.status, 400)
  t.equal(res.json.error.code, 'ERR_RECORD_INVALID')
  t.match(res.json.error.message, /^2 of 4 records are invalid, nothing was written: record 2: value: must be an IPv4 address; record 3: name: is required/)
  t.same(res.json.error.details.map((d: { index: number }) => d.index), [2, 3])
  t.equal(store.list().length, 0)
  t.equal(await readFile(path, 'utf8'), before)
})

t.test('NDJSON bodies, and the body limit', async (t) => {
  const { app, store } = await setup(t, { bulkMaxBytes: 2048 })
  const body = hosts(3).map((r) => JSON.stringify(r)).join('\n') + '\n\n'
  let res = await call(app, 'POST', '/api/v1/records/bulk', body, { 'content-type': 'application/x-ndjson' })
  t.equal(res.status, 200)
  t.equal(store.list().length, 3)
  res = await call(app, 'POST', '/api/v1/records/bulk', hosts(40))
  t.equal(res.status, 413)
  res = await call(app, 'POST', '/api/v1/records/bulk', '{"name":', { 'content-type': 'application/x-ndjson' })
  t.equal(res.status, 400)
  t.match(res.json.error.message, 'NDJSON line 1 is not JSON')
})

t.test('replace of one zone: deletes what the input lacks, leaves other zones, guarded', async (t) => {
  const { app, store } = await setup(t)
  await call(app, 'POST', '/api/v1/records/bulk', [SOA, NS, ...hosts(20), ...hosts(2, 'other.net')])
  // Input outside the zone is refused (it would be added without replacing its own records).
  let res = await call(app, 'POST', '/api/v1/records/bulk?mode=replace&zone=example.com', [SOA, { name: 'a.other.net', type: 'A', value: '192.0.2.1' }])
  t.equal(res.status, 400)
  t.match(res.json.error.message, 'record 1: name: a.other.net is outside zone example.com')
  // 20 of 24 deleted: over the 50 % guard. A dry run shows the counts; the write needs confirm_delete.
  res = await call(app, 'POST', '/api/v1/records/bulk?mode=replace&zone=example.com&dry_run=1', [SOA, NS, hosts(1)[0]])
  t.match(res.json, { status: 'dry run: nothing written', dry_run: true, deleted: 19, added: 0, confirm_delete_required: true, zone: 'example.com' })
  t.equal(res.json.deleted_sample.length, 10)
  t.equal(store.list().length, 24)
  res = await call(app, 'POST', '/api/v1/records/bulk?mode=replace&zone=example.com', [SOA, NS, hosts(1)[0]])
  t.equal(res.status, 409)
  t.match(res.json.error.message, /would delete 19 of 24 records .* confirm_delete=19/)
  t.equal(store.list().length, 24)
  res = await call(app, 'POST', '/api/v1/records/bulk?mode=replace&zone=example.com&confirm_delete=19', [SOA, NS, hosts(1)[0]])
  t.equal(res.status, 200)
  t.match(res.json, { deleted: 19, total_after: 5 })
  t.same(rows(store).filter((r) => r.includes('other.net')).length, 2)
  // A small replace (under the guard) needs no confirmation.
  res = await call(app, 'POST', '/api/v1/records/bulk?mode=replace&zone=example.com', [SOA, NS])
  t.match(res.json, { deleted: 1 })
})

t.test('replace of everything needs all=1', async (t) => {
  const { app, store } = await setup(t)
  await call(app, 'POST', '/api/v1/records/bulk', hosts(3))
  let res = await call(app, 'POST', '/api/v1/records/bulk?mode=replace', [SOA])
  t.equal(res.status, 400)
  res = await call(app, 'POST', '/api/v1/records/bulk?mode=replace&all=1', [SOA])
  t.match(res.json, { deleted: 3, added: 1, zone: null })
  t.same(rows(store), [`${SOA.name} SOA ${SOA.value} 300`])
})

t.test('refused writes: cluster_reject_local_writes, read-only source', async (t) => {
  const { app } = await setup(t, { writes: { ok: false, reason: 'local writes disabled' } })
  const res = await call(app, 'POST', '/api/v1/records/bulk', hosts(1))
  t.equal(res.status, 403)
  const ro = new FakeRecordStore([])
  const { deps } = makeDeps({ records: Object.assign(ro, { bulkWrite: undefined }) })
  const app2 = buildApi(deps, { requireAuth: false })
  t.teardown(() => app2.close())
  const res2 = await call(app2, 'POST', '/api/v1/records/bulk', hosts(1))
  t.equal(res2.status, 403)
  t.equal(res2.json.error.code, 'ERR_READ_ONLY_SOURCE')
})

t.test('journal mode: the batch is one journal entry and survives a restart without a flush', async (t) => {
  const { app, store, path } = await setup(t, { flushDelayMs: 60_000 })
  await call(app, 'POST', '/api/v1/records/bulk', [SOA, NS, ...hosts(5)])
  const res = await call(app, 'POST', '/api/v1/records/bulk?mode=replace&zone=example.com', [SOA, NS, ...hosts(3)])
  t.match(res.json, { deleted: 2 })
  const want = rows(store)
  await store.stop({ flush: false })
  const again = await FileRecordStore.open({ path, prettyJson: false, log: pino({ level: 'silent' }), watch: false, flushDelayMs: 60_000 })
  t.teardown(() => again.stop())
  t.same(rows(again), want)
})

t.test('zone export: JSON and text; a zone without SOA is 404', async (t) => {
  const { app } = await setup(t)
  await call(app, 'POST', '/api/v1/records/bulk', [SOA, NS, { name: 'ns1.example.com', type: 'A', value: '192.0.2.1', ttl: 1 }])
  let res = await call(app, 'GET', '/api/v1/zones/example.com./export')
  t.equal(res.status, 200)
  t.equal(res.json.zone, 'example.com')
  t.equal(res.json.records, 3)
  t.match(res.json.text, /^; zone example.com exported by dnsplane at 2030-01-01T00:01:40.000Z\n\$ORIGIN example.com.\nexample.com. 300 IN SOA /)
  const text = await app.inject({ method: 'GET', url: '/api/v1/zones/example.com/export?format=text' })
  t.match(text.headers['content-type'], 'text/dns')
  t.match(text.body, /^; zone/)
  res = await call(app, 'GET', '/api/v1/zones/other.net/export')
  t.equal(res.status, 404)
  res = await call(app, 'GET', '/api/v1/zones/bad..name/export')
  t.equal(res.status, 400)
})

t.test('query and body helpers', async (t) => {
  t.throws(() => bulkQuery({ mode: 'merge' }), /mode must be add or replace/)
  t.throws(() => bulkQuery({ mode: 'replace', zone: 'a.example', all: '1' }), /exactly one of/)
  t.throws(() => bulkQuery({ zone: 'bad..zone' }), /zone: not a valid DNS name/)
  t.throws(() => bulkQuery({ confirm_delete: 'x' }), /confirm_delete must be a number/)
  t.same(bulkQuery({ mode: 'REPLACE', zone: 'Example.COM.', confirm_delete: '3' }), { mode: 'replace', all: false, dryRun: false, zone: 'example.com', confirmDelete: 3 })
  t.throws(() => bulkItems(42), /body must be/)
  t.same(parseNdjson('1\n\n2'), [1, 2])
  t.equal(refusal(Array.from({ length: 7 }, (_, index) => ({ index, reason: 'r' })), 9), '7 of 9 records are invalid, nothing was written: record 0: r; record 1: r; record 2: r; record 3: r; record 4: r; and 2 more')
})
