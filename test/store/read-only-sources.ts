/** The read-only records sources: url (HTTP GET of our JSON, timeout, size limit) and bind_dir (zone files, named.conf, glob, watch). */
import t from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { ReadOnlyRecordStore } from '../../src/store/read-only-store.js'
import { checkSourceUrl, fetchRecords } from '../../src/store/url-source.js'
import { globToRegExp, listZoneSources, loadBindDir, watchBindDir, zonesOfNamedConf } from '../../src/zonefile/bind-dir.js'
import type { RecordChange, RecordStore } from '../../src/store/record-store.js'

const log = pino({ level: 'silent' })
const A = (name: string, value: string) => ({ name, type: 'A', value, ttl: 60 })

async function server(t: { teardown: (fn: () => unknown) => void }, handler: http.RequestListener): Promise<string> {
  const s = http.createServer(handler)
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))
  t.teardown(() => new Promise((r) => s.close(r)))
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/records.json`
}

t.test('url: GET our JSON; HTTP errors, bad JSON, size and time limits', async (t) => {
  let body = JSON.stringify({ records: [A('a.example', '192.0.2.1')] })
  let status = 200
  let hang = false
  const url = await server(t, (_req, res) => {
    if (hang) return
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(body)
  })
  t.same((await fetchRecords(url)).map((r) => r.name), ['a.example'])
  status = 500
  await t.rejects(fetchRecords(url), /HTTP 500/)
  status = 200
  body = '{"records":[{"name":"x","type":"A","value":"999"}]}'
  await t.rejects(fetchRecords(url), /value/)
  body = JSON.stringify({ records: [A('a.example', '192.0.2.1')] })
  await t.rejects(fetchRecords(url, { maxBytes: 10 }), /larger than the limit/)
  const chunked = await server(t, (_req, res) => {
    res.writeHead(200)
    res.write('x'.repeat(20))
    res.end('y'.repeat(20))
  })
  await t.rejects(fetchRecords(chunked, { maxBytes: 30 }), /larger than the limit of 30 bytes/)
  hang = true
  await t.rejects(fetchRecords(url, { timeoutMs: 100 }), /no answer within 100 ms/)
  await t.rejects(fetchRecords('http://127.0.0.1:9/x', { timeoutMs: 2000 }), /GET failed/)
  t.throws(() => checkSourceUrl('dnsrecords.json'), /is not a URL/)
  t.throws(() => checkSourceUrl('file:///etc/passwd'), /file: URLs are not supported/)
})

t.test('read-only store: loads, refuses every write, refreshes, keeps records when a refresh fails', async (t) => {
  let records = [A('a.example', '192.0.2.1')]
  let fail = false
  const store = await ReadOnlyRecordStore.open({
    kind: 'url',
    location: 'http://x/',
    load: async () => {
      if (fail) throw new Error('down')
      return records.map((r) => ({ ...r, added_on: '', updated_on: '', last_query: '' }))
    },
    refreshMs: 20,
    log,
  })
  const changes: RecordChange[] = []
  store.onChange((c) => changes.push(c))
  t.equal(store.list().length, 1)
  t.equal(store.index.records.length, 1)
  const writes: Array<() => Promise<unknown>> = [() => store.add(), () => store.update(), () => store.remove(), () => store.replaceAll(), () => store.replaceWith(), () => store.save(), () => store.confirmMassDelete(), () => store.discardMassDelete()]
  for (const write of writes) {
    await t.rejects(write(), { code: 'ERR_READ_ONLY_SOURCE' })
  }
  t.equal(await store.reconcileAtStart(), 'accepted')
  t.equal(store.heldMassDelete(), undefined)
  const asStore: RecordStore = store
  t.equal(asStore.bulkWrite, undefined, 'no bulk writes')
  records = [A('a.example', '192.0.2.1'), A('b.example', '192.0.2.2')]
  t.equal(await store.reload(), 2)
  t.match(changes[0], { source: 'reload', kind: 'replace' })
  fail = true
  await t.rejects(store.reload(), /down/)
  t.equal(store.list().length, 2, 'kept')
  fail = false
  records = [A('c.example', '192.0.2.3')]
  await store.start()
  for (let i = 0; i < 200 && store.list()[0].name !== 'c.example'; i++) await new Promise((r) => setTimeout(r, 10))
  t.equal(store.list()[0].name, 'c.example', 'the timer refreshed')
  // Two refreshes asked at once: one load runs, then one more.
  await Promise.all([store.reload(), store.reload()])
  await store.stop()
  await t.rejects(ReadOnlyRecordStore.open({ kind: 'url', location: 'u', load: async () => Promise.reject(new Error('nope')), refreshMs: 0, log }), {
    code: 'ERR_RECORDS_PARSE',
    message: 'records source url u: nope',
  })
})

t.test('bind_dir: glob with origins from file names, named.conf, errors by file:line, watch', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-binddir-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'example.com.db'), '$TTL 60\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n$INCLUDE common.inc\n')
  await writeFile(join(dir, 'common.inc'), 'www A 192.0.2.80\n')
  await writeFile(join(dir, 'example.net.db'), '$TTL 60\nhost A 192.0.2.2\n')
  await writeFile(join(dir, 'notes.txt'), 'not a zone')
  const glob = { dir, includePattern: '*.db', namedConf: '' }
  t.same((await listZoneSources(glob)).map((z) => z.origin), ['example.com', 'example.net'])
  t.same((await loadBindDir(glob)).map((r) => `${r.name} ${r.type}`), ['example.com SOA', 'example.com NS', 'ns1.example.com A', 'www.example.com A', 'host.example.net A'])

  await writeFile(
    join(dir, 'named.conf'),
    'options { directory "/var/named"; };\n// a comment\nzone "example.org" IN { type master; file "org.zone"; };\n/* zone "x" { file "x"; }; */\nzone "." { type hint; };\n',
  )
  await writeFile(join(dir, 'org.zone'), '$TTL 5\nmail A 192.0.2.25\n')
  const conf = { dir, includePattern: '*.db', namedConf: 'named.conf' }
  t.same((await loadBindDir(conf)).map((r) => r.name), ['mail.example.org'])
  await writeFile(join(dir, 'org.zone'), '$TTL 5\nmail A 192.0.2.256\n')
  await t.rejects(loadBindDir(conf), { message: `${join(dir, 'org.zone')}:2: value: must be an IPv4 address` })

  let seen = 0
  const stop = await watchBindDir(glob, () => seen++, 20)
  await writeFile(join(dir, 'example.net.db'), '$TTL 60\nhost A 192.0.2.3\n')
  for (let i = 0; i < 300 && seen === 0; i++) await new Promise((r) => setTimeout(r, 10))
  t.ok(seen > 0, 'a change was seen')
  await stop()
})

t.test('glob and named.conf helpers', async (t) => {
  t.same('db.example.com'.match(globToRegExp('db.*'))?.[1], 'example.com')
  t.ok(globToRegExp('zone?.*.db').test('zone1.a.db'))
  t.notOk(globToRegExp('*.db').test('a.dbx'))
  t.same(zonesOfNamedConf('zone "a" { file "a.db"; allow-transfer { none; }; };'), [{ zone: 'a', file: 'a.db' }])
})
