import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import t from 'tap'
import { buildApi } from '../../../src/api/server.js'
import { DnsplaneError } from '../../../src/errors.js'
import { FileRecordStore } from '../../../src/store/file-store.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'
import { call, FakeRecordStore, makeDeps } from '../../helpers/api-fakes.js'

const rec = (id: string, name: string, type: string, value: string, ttl = 300): DnsRecord => ({
  id, name, type, value, ttl, added_on: '2030-01-01T00:00:00Z', updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})

function setup(records: DnsRecord[] = []) {
  const store = new FakeRecordStore(records)
  const { deps, knobs } = makeDeps({ records: store })
  const app = buildApi(deps, { requireAuth: true })
  t.teardown(() => app.close())
  return { app, store, deps, knobs }
}

/** The API over a real FileRecordStore in a temporary directory. */
async function setupFile(t: { teardown: (fn: () => unknown) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-api-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const store = await FileRecordStore.open({ path: join(dir, 'dnsrecords.json'), prettyJson: false, log: pino({ level: 'silent' }), watch: false })
  await store.replaceAll([], 'local')
  const { deps } = makeDeps({ records: store })
  const app = buildApi(deps, { requireAuth: false })
  t.teardown(() => app.close())
  return { app, store }
}

const SAMPLE = [
  rec('r1', 'www.example.com', 'A', '192.0.2.1'),
  rec('r2', 'www.example.com', 'AAAA', '2001:db8::1'),
  rec('r3', 'mail.example.org', 'MX', '10 mx.example.org.'),
]

t.test('GET /dns/records', async (t) => {
  t.test('answers records null (as Go encodes an empty slice) when nothing is stored', async (t) => {
    const { app } = setup()
    const res = await call(app, 'GET', '/dns/records')
    t.equal(res.status, 200)
    t.same(res.json, { records: null, detailed: false })
  })

  t.test('lists records without timestamps unless details is asked for', async (t) => {
    const { app } = setup(SAMPLE)
    const plain = await call(app, 'GET', '/dns/records')
    t.same(plain.json.records[0], { id: 'r1', name: 'www.example.com', type: 'A', value: '192.0.2.1', ttl: 300 })
    for (const q of ['details=1', 'details=true', 'd=yes', 'd=TRUE']) {
      const detailed = await call(app, 'GET', `/dns/records?${q}`)
      t.equal(detailed.json.detailed, true, q)
      t.equal(detailed.json.records[0].added_on, '2030-01-01T00:00:00Z', q)
    }
  })

  const filters: Array<[string, string[], string | undefined]> = [
    ['name=WWW.Example.', ['r1', 'r2'], 'name=WWW.Example.'],
    ['name=example', ['r1', 'r2', 'r3'], 'name=example'],
    ['type=aaaa', ['r2'], 'type=AAAA'],
    ['name=www&type=A', ['r1'], 'name=www&type=A'],
    ['name=nothing', [], 'name=nothing'],
  ]
  for (const [query, ids, filter] of filters) {
    t.test(`filters with ${query}`, async (t) => {
      const { app } = setup(SAMPLE)
      const res = await call(app, 'GET', `/dns/records?${query}`)
      t.equal(res.status, 200)
      t.same((res.json.records ?? []).map((r: DnsRecord) => r.id), ids)
      t.equal(res.json.filter, filter)
    })
  }

  t.test('rejects an unknown type filter with 400', async (t) => {
    const { app } = setup(SAMPLE)
    const res = await call(app, 'GET', '/dns/records?type=BOGUS')
    t.equal(res.status, 400)
    t.match(res.json.error, /BOGUS/)
  })
})

t.test('POST /dns/records', async (t) => {
  t.test('adds a record and answers 201 record added', async (t) => {
    const { app, store } = setup()
    const res = await call(app, 'POST', '/dns/records', { name: 'a.example.com.', type: 'A', value: '192.0.2.9', ttl: 60 })
    t.equal(res.status, 201)
    t.same(res.json, { status: 'record added', messages: [] })
    t.match(store.list(), [{ name: 'a.example.com', type: 'A', value: '192.0.2.9', ttl: 60 }])
    t.ok(res.text.endsWith('}\n'), 'JSON ends with a newline')
  })

  t.test('treats ttl 0 like an absent ttl (3600), as the original REST add', async (t) => {
    const { app, store } = setup()
    await call(app, 'POST', '/dns/records', { name: 'z.example.com', type: 'A', value: '192.0.2.9', ttl: 0 })
    t.equal(store.list()[0].ttl, 3600)
  })

  t.test('passes the store warning for a duplicate through messages with 201', async (t) => {
    const { app } = setup(SAMPLE)
    const res = await call(app, 'POST', '/dns/records', { name: 'www.example.com', type: 'A', value: '192.0.2.1' })
    t.equal(res.status, 201)
    t.same(res.json.messages, ['record already exists'])
  })

  const bad: Array<[string, unknown, string[]]> = [
    ['a string ttl', { name: 'a', type: 'A', value: '192.0.2.1', ttl: '60' }, ['body/ttl must be integer']],
    ['a fractional ttl', { name: 'a', type: 'A', value: '192.0.2.1', ttl: 1.5 }, ['body/ttl must be integer']],
    ['a negative ttl', { name: 'a', type: 'A', value: '192.0.2.1', ttl: -1 }, ['body/ttl must be >= 0']],
    ['a ttl over 2^32-1', { name: 'a', type: 'A', value: '192.0.2.1', ttl: 4294967296 }, ['body/ttl must be <= 4294967295']],
    ['a missing name', { type: 'A', value: '192.0.2.1' }, ['body/name is required']],
    ['an empty value', { name: 'a', type: 'A', value: '' }, ['body/value must not be empty']],
    ['a numeric type', { name: 'a', type: 1, value: 'x' }, ['body/type must be string']],
    ['an array body', [1], ['body must be object']],
  ]
  for (const [what, body, messages] of bad) {
    t.test(`answers 400 naming the field for ${what}`, async (t) => {
      const { app, store } = setup()
      const res = await call(app, 'POST', '/dns/records', body)
      t.equal(res.status, 400)
      t.same(res.json, { error: 'invalid arguments', messages })
      t.equal(store.writes, 0)
    })
  }

  t.test('answers 400 invalid input for a body that is not JSON', async (t) => {
    const { app } = setup()
    const res = await call(app, 'POST', '/dns/records', '{"name":', { 'content-type': 'application/json' })
    t.equal(res.status, 400)
    t.same(res.json, { error: 'invalid input' })
  })

  // Through the real store: the message comes from THE record validation, not a test fake.
  t.test('answers 400 invalid arguments with the validation message when the store refuses the record', async (t) => {
    const { app, store } = await setupFile(t)
    const res = await call(app, 'POST', '/dns/records', { name: 'a', type: 'NOPE', value: 'x' })
    t.equal(res.status, 400)
    t.same(res.json, { error: 'invalid arguments', messages: ['type: unknown record type "NOPE"'] })
    t.equal(store.list().length, 0, 'nothing written')
  })

  // Issue #10 item 11: what the DNS server could never answer is refused at write time.
  t.test('answers 400 for a TXT of 65,535 characters that no DNS answer could carry', async (t) => {
    const { app, store } = await setupFile(t)
    const res = await call(app, 'POST', '/dns/records', { name: 'big.example', type: 'TXT', value: 'x'.repeat(65_535) })
    t.equal(res.status, 400)
    t.same(res.json, { error: 'invalid arguments', messages: ['value: has a character-string of 65535 bytes, more than 255 (split it into several quoted strings)'] })
    t.equal(store.list().length, 0)
  })

  t.test('answers 400 when a record would make its RRset too large for one TCP reply, and keeps the RRset answerable', async (t) => {
    const { app, store } = await setupFile(t)
    // 60 strings of 255 bytes: 15,360 bytes of RDATA each; four fit in 65,535 bytes, five do not.
    const value = (i: number) => Array.from({ length: 60 }, (_, j) => `"${String(i).padStart(3, '0')}${String(j).padStart(3, '0')}${'y'.repeat(249)}"`).join(' ')
    for (let i = 0; i < 4; i++) {
      const ok = await call(app, 'POST', '/dns/records', { name: 'wide.example', type: 'TXT', value: value(i) })
      t.equal(ok.status, 201, `record ${i} fits`)
    }
    const res = await call(app, 'POST', '/dns/records', { name: 'wide.example', type: 'TXT', value: value(4) })
    t.equal(res.status, 400)
    t.match(res.json.messages?.[0], /^value: the TXT records of wide\.example would need a 7\d{4}-byte DNS reply, more than the 65535 bytes of a TCP message/)
    t.equal(store.list().length, 4, 'the fifth record is not stored')
    const upd = await call(app, 'PUT', '/dns/records', { id: store.list()[0].id, name: 'wide.example', type: 'TXT', value: value(0) + ' "more"' })
    t.equal(upd.status, 200, 'an update that still fits is accepted')
  })

  t.test('answers 409 when the supplied id is taken', async (t) => {
    const { app } = setup(SAMPLE)
    const res = await call(app, 'POST', '/dns/records', { id: 'r1', name: 'b', type: 'A', value: '192.0.2.3' })
    t.equal(res.status, 409)
    t.match(res.json.error, /r1/)
  })

  t.test('answers 403 with the reason when local writes are refused, and writes nothing', async (t) => {
    const { app, store, knobs } = setup()
    const reason = 'cluster: local record writes are disabled on this node (cluster_reject_local_writes)'
    knobs.writes = { ok: false, reason }
    const res = await call(app, 'POST', '/dns/records', { name: 'a', type: 'A', value: '192.0.2.1' })
    t.equal(res.status, 403)
    t.same(res.json, { error: reason })
    t.equal(store.writes, 0)
  })

  t.test('answers 403 when the records source is read-only', async (t) => {
    const store = new FakeRecordStore()
    store.add = async () => {
      throw new DnsplaneError('ERR_READ_ONLY_SOURCE', 'records source url is read-only')
    }
    const { deps } = makeDeps({ records: store })
    const app = buildApi(deps, { requireAuth: false })
    const res = await call(app, 'POST', '/dns/records', { name: 'a', type: 'A', value: '192.0.2.1' })
    t.equal(res.status, 403)
    t.same(res.json, { error: 'records source url is read-only' })
  })

  t.test('keeps every record of 50 parallel POSTs (fake store)', async (t) => {
    const { app, store } = setup()
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => call(app, 'POST', '/dns/records', { name: `h${i}.example.com`, type: 'A', value: `192.0.2.${i + 1}` })),
    )
    t.same(new Set(results.map((r) => r.status)), new Set([201]))
    t.equal(store.list().length, 50)
  })

  t.test('keeps every record of 50 parallel POSTs on disk (FileRecordStore)', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'dnsplane-api-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const path = join(dir, 'dnsrecords.json')
    const store = await FileRecordStore.open({ path, prettyJson: false, log: pino({ level: 'silent' }), watch: false })
    const { deps } = makeDeps({ records: store })
    const app = buildApi(deps, { requireAuth: false })
    t.teardown(() => app.close())
    const before = store.list().length
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => call(app, 'POST', '/dns/records', { name: `p${i}.example.com`, type: 'A', value: `198.51.100.${i + 1}` })),
    )
    t.same(new Set(results.map((r) => r.status)), new Set([201]))
    const onDisk = JSON.parse(await readFile(path, 'utf8')) as { records: DnsRecord[] }
    const names = new Set(onDisk.records.map((r) => r.name))
    t.equal(onDisk.records.length, before + 50)
    for (let i = 0; i < 50; i++) t.ok(names.has(`p${i}.example.com`), `p${i} persisted`)
  })
})

t.test('POST /api/v1/records/flush', async (t) => {
  t.test('writes journaled changes to dnsrecords.json at once', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'dnsplane-api-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const path = join(dir, 'dnsrecords.json')
    const store = await FileRecordStore.open({ path, prettyJson: false, log: pino({ level: 'silent' }), watch: false, flushDelayMs: 60_000 })
    t.teardown(() => store.stop())
    const { deps } = makeDeps({ records: store })
    const app = buildApi(deps, { requireAuth: false })
    t.teardown(() => app.close())
    t.equal((await call(app, 'POST', '/dns/records', { name: 'j.example.com', type: 'A', value: '198.51.100.1' })).status, 201)
    t.notMatch(await readFile(path, 'utf8'), 'j.example.com', 'acknowledged from the journal, file not yet rewritten')
    const res = await call(app, 'POST', '/api/v1/records/flush')
    t.equal(res.status, 200)
    t.same(res.json, { status: 'records file written', records: 2 })
    t.match(await readFile(path, 'utf8'), 'j.example.com')
    t.same((await call(app, 'POST', '/api/v1/records/flush')).json, { status: 'records file already current', records: 2 })
  })

  t.test('a store without a journal is always current', async (t) => {
    const { app } = setup(SAMPLE)
    t.same((await call(app, 'POST', '/api/v1/records/flush')).json, { status: 'records file already current', records: SAMPLE.length })
  })
})

t.test('PUT /dns/records', async (t) => {
  t.test('replaces the row with the given id and answers record updated', async (t) => {
    const { app, store } = setup(SAMPLE)
    const res = await call(app, 'PUT', '/dns/records', { id: 'r1', name: 'www.example.com', type: 'A', value: '192.0.2.50', ttl: 120 })
    t.equal(res.status, 200)
    t.same(res.json, { status: 'record updated', messages: [] })
    t.match(store.list()[0], { id: 'r1', value: '192.0.2.50', ttl: 120 })
  })

  t.test('upserts on name+type+value without id (changes the TTL)', async (t) => {
    const { app, store } = setup(SAMPLE)
    const res = await call(app, 'PUT', '/dns/records', { name: 'www.example.com', type: 'A', value: '192.0.2.1', ttl: 42 })
    t.equal(res.status, 200)
    t.equal(store.list()[0].ttl, 42)
  })

  t.test('answers 404 for an unknown id', async (t) => {
    const { app } = setup(SAMPLE)
    const res = await call(app, 'PUT', '/dns/records', { id: 'nope', name: 'a', type: 'A', value: '192.0.2.1' })
    t.equal(res.status, 404)
    t.same(res.json, { error: 'no record with id nope' })
  })

  t.test('answers 403 when local writes are refused', async (t) => {
    const { app, knobs } = setup(SAMPLE)
    knobs.writes = { ok: false, reason: 'no writes' }
    const res = await call(app, 'PUT', '/dns/records', { id: 'r1', name: 'a', type: 'A', value: '192.0.2.1' })
    t.equal(res.status, 403)
  })

  t.test('answers 400 naming the field', async (t) => {
    const { app } = setup(SAMPLE)
    const res = await call(app, 'PUT', '/dns/records', { id: 'r1', name: 'a', type: 'A', value: '192.0.2.1', ttl: 'x' })
    t.equal(res.status, 400)
    t.same(res.json.messages, ['body/ttl must be integer'])
  })
})

t.test('DELETE /dns/records', async (t) => {
  const cases: Array<[string, string, unknown, string[]]> = [
    ['by id in the query', '/dns/records?id=r2', undefined, ['r1', 'r3']],
    ['by id in the body', '/dns/records', { id: 'r3' }, ['r1', 'r2']],
    ['by name in the query (all types)', '/dns/records?name=www.example.com.', undefined, ['r3']],
    ['by name and type in the query', '/dns/records?name=www.example.com&type=aaaa', undefined, ['r1', 'r3']],
    ['by name, type and value in the body', '/dns/records', { name: 'www.example.com', type: 'A', value: '192.0.2.1' }, ['r2', 'r3']],
  ]
  for (const [what, url, body, left] of cases) {
    t.test(`deletes ${what}`, async (t) => {
      const { app, store } = setup(SAMPLE)
      const res = await call(app, 'DELETE', url, body)
      t.equal(res.status, 200)
      t.same(res.json, { status: 'record deleted', messages: [] })
      t.same(store.list().map((r) => r.id), left)
    })
  }

  t.test('answers 400 name is required without id or name', async (t) => {
    const { app } = setup(SAMPLE)
    for (const body of [undefined, {}, { type: 'A' }]) {
      const res = await call(app, 'DELETE', '/dns/records', body)
      t.equal(res.status, 400)
      t.same(res.json, { error: 'name is required' })
    }
  })

  t.test('answers 400 for a body of the wrong shape', async (t) => {
    const { app } = setup(SAMPLE)
    const res = await call(app, 'DELETE', '/dns/records', { id: 7 })
    t.equal(res.status, 400)
    t.match(res.json.error, /body\/id/)
  })

  t.test('answers 404 when nothing matches', async (t) => {
    const { app } = setup(SAMPLE)
    const res = await call(app, 'DELETE', '/dns/records?id=unknown')
    t.equal(res.status, 404)
    t.same(res.json, { error: 'record not found' })
  })

  t.test('answers 403 when local writes are refused', async (t) => {
    const { app, store, knobs } = setup(SAMPLE)
    knobs.writes = { ok: false, reason: 'no writes' }
    const res = await call(app, 'DELETE', '/dns/records?id=r1')
    t.equal(res.status, 403)
    t.equal(store.list().length, 3)
  })
})

t.test('POST /dns/records/reload', async (t) => {
  t.test('answers reloaded with the record count, even when local writes are refused', async (t) => {
    const { app, store, knobs } = setup()
    store.reloadResult = 12
    knobs.writes = { ok: false, reason: 'no writes' }
    const res = await call(app, 'POST', '/dns/records/reload')
    t.equal(res.status, 200)
    t.same(res.json, { status: 'reloaded', records: 12 })
  })

  t.test('answers 500 with the error when the file does not parse', async (t) => {
    const { app, store } = setup()
    store.reloadResult = new DnsplaneError('ERR_RECORDS_PARSE', 'dnsrecords.json: unexpected end of JSON')
    const res = await call(app, 'POST', '/dns/records/reload')
    t.equal(res.status, 500)
    t.same(res.json, { error: 'dnsrecords.json: unexpected end of JSON' })
  })

  t.test('does not leak the message of an unexpected error', async (t) => {
    const { app, store } = setup()
    store.reloadResult = new Error('/secret/path exploded')
    const res = await call(app, 'POST', '/dns/records/reload')
    t.equal(res.status, 500)
    t.same(res.json, { error: 'reload failed' })
  })
})

t.test('mass-delete endpoints (/api/v1/records/mass-delete)', async (t) => {
  const held = {
    source: 'file' as const, removed: 40, total: 50, proposed_total: 10, percent: 50,
    held_at: '2026-01-01T00:00:00.000Z', removed_sample: ['a.example A 192.0.2.1'],
  }

  t.test('GET shows the held change (null when none), and /api/v1/status carries it', async (t) => {
    const { app, store } = setup(SAMPLE)
    t.same((await call(app, 'GET', '/api/v1/records/mass-delete')).json, { held: null })
    t.equal((await call(app, 'GET', '/api/v1/status')).json.records_mass_delete_held, null)
    store.held = held
    t.same((await call(app, 'GET', '/api/v1/records/mass-delete')).json, { held })
    t.same((await call(app, 'GET', '/api/v1/status')).json.records_mass_delete_held, held)
  })

  t.test('confirm applies it; a second confirm is 404', async (t) => {
    const { app, store } = setup(SAMPLE)
    store.held = held
    const res = await call(app, 'POST', '/api/v1/records/mass-delete/confirm')
    t.equal(res.status, 200)
    t.same(res.json, { status: 'mass delete applied', removed: 40, records: 3 })
    t.same(store.massDeleteCalls, ['confirm'])
    const again = await call(app, 'POST', '/api/v1/records/mass-delete/confirm')
    t.equal(again.status, 404)
    t.match(again.json, { error: { code: 'ERR_NOT_FOUND', message: 'no mass delete is held back' } })
  })

  t.test('confirm is refused when local writes are refused; discard is not', async (t) => {
    const { app, store, knobs } = setup(SAMPLE)
    store.held = held
    knobs.writes = { ok: false, reason: 'no writes' }
    t.equal((await call(app, 'POST', '/api/v1/records/mass-delete/confirm')).status, 403)
    const res = await call(app, 'POST', '/api/v1/records/mass-delete/discard')
    t.equal(res.status, 200)
    t.same(res.json, { status: 'mass delete discarded', records: 3 })
    t.same(store.massDeleteCalls, ['discard'])
  })

  t.test('a reload held back by the guard answers 409 with the way out', async (t) => {
    const { app, store } = setup()
    store.reloadResult = new DnsplaneError('ERR_MASS_DELETE_HELD', 'a records reload would delete 30 of 30 records …')
    const res = await call(app, 'POST', '/dns/records/reload')
    t.equal(res.status, 409)
    t.match(res.json, { error: /would delete 30 of 30/ })
  })
})
