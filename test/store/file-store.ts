import { chmod, mkdir, mkdtemp, readFile, rm, unlink, writeFile, rename } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from 'pino'
import t from 'tap'
import { rejection } from '../helpers/fs.js'
import { isDnsplaneError, type ErrorCode } from '../../src/errors.js'
import { FileRecordStore, type FileRecordStoreOptions } from '../../src/store/file-store.js'
import type { RecordChange } from '../../src/store/record-store.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'
import { parseRecordsFile } from '../../src/store/records-file.js'

type Teardown = { teardown(fn: () => unknown): void }

interface LogLine {
  level: string
  obj: unknown
  msg: string
}

function fakeLog(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const at = (level: string) => (obj: unknown, msg?: string) => {
    lines.push({ level, obj, msg: msg ?? String(obj) })
  }
  const log = {
    lines,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    debug: at('debug'),
    child: () => log,
  }
  return log as unknown as Logger & { lines: LogLine[] }
}

async function tempDir(t: Teardown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-store-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function openStore(t: Teardown, opts: Partial<FileRecordStoreOptions> & { path: string }) {
  let n = 0
  const store = await FileRecordStore.open({
    prettyJson: false,
    log: fakeLog(),
    newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    now: () => new Date('2025-01-01T10:00:00.500Z'),
    watch: false,
    ...opts,
  })
  t.teardown(() => store.stop())
  return store
}


function hasCode(err: unknown, code: ErrorCode): boolean {
  return isDnsplaneError(err, code)
}

/** Resolves with the first change event matching `pred`, or rejects after `ms`. */
function nextChange(store: FileRecordStore, pred: (c: RecordChange) => boolean, ms = 5000): Promise<RecordChange> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`no matching change within ${ms} ms`))
    }, ms)
    const off = store.onChange((c) => {
      if (!pred(c)) return
      clearTimeout(timer)
      off()
      resolve(c)
    })
  })
}

/** Polls `cond` every 20 ms until true or `ms` passes (bounded wait for log side effects). */
async function waitFor(cond: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (cond()) return true
    await new Promise((r) => setTimeout(r, 20))
  }
  return cond()
}

const rec = (name: string, type: string, value: string, extra: Partial<DnsRecord> = {}): DnsRecord => ({
  name, type, value, ttl: 60, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME, ...extra,
})

t.test('creates a missing file with the example record', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'sub', 'dnsrecords.json')
  const store = await openStore(t, { path })
  t.same(store.list().map((r) => [r.name, r.type, r.value, r.ttl]), [['example.com', 'A', '93.184.216.34', 3600]])
  t.same(parseRecordsFile(await readFile(path, 'utf8')), store.list())
})

t.test('a file that does not parse fails open with ERR_RECORDS_PARSE and is left untouched', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  const bad = '{"records":[{"name":"a","type":"A","value":"x","ttl":-5}]}'
  await writeFile(path, bad)
  const err = await rejection(FileRecordStore.open({ path, prettyJson: false, log: fakeLog() }))
  t.ok(hasCode(err, 'ERR_RECORDS_PARSE'))
  t.match((err as Error).message, path)
  t.match((err as Error).message, 'records[0].ttl')
  t.equal(await readFile(path, 'utf8'), bad)
})

t.test('add assigns an id, default ttl and added_on, persists, then emits', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'r.json')
  await writeFile(path, '{"records":null}')
  const store = await openStore(t, { path })
  const gen = store.index.generation
  const events: RecordChange[] = []
  store.onChange((c) => events.push(c))
  const res = await store.add({ name: 'www.example.com.', type: 'a', value: '192.0.2.1' })
  t.same(res.messages, [])
  t.same(res.records[0], {
    id: '00000000-0000-4000-8000-000000000001',
    name: 'www.example.com', type: 'A', value: '192.0.2.1', ttl: 3600,
    added_on: '2025-01-01T10:00:00.5Z', updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
  })
  t.equal(store.index.generation, gen + 1)
  t.equal(store.index.lookup('WWW.example.com', 'A').length, 1)
  t.equal(events.length, 1)
  t.equal(events[0].source, 'local')
  t.equal(events[0].kind, 'add')
  t.equal(events[0].index, store.index)
  t.same(parseRecordsFile(await readFile(path, 'utf8')), store.list())
  t.equal((await store.add({ name: 'z.example.com', type: 'A', value: '192.0.2.9', ttl: 0 })).records[0].ttl, 3600)
})

t.test('add refuses an id in use, invalid input, and does not add an exact duplicate', async (t) => {
  const dir = await tempDir(t)
  const store = await openStore(t, { path: join(dir, 'r.json') })
  const first = await store.add({ id: 'abc', name: 'h.example.com', type: 'CNAME', value: 'Target.example.com.' })
  t.equal(first.records[0].id, 'abc')
  t.ok(hasCode(await rejection(store.add({ id: 'abc', name: 'other', type: 'A', value: '192.0.2.1' })), 'ERR_RECORD_CONFLICT'))
  t.ok(hasCode(await rejection(store.add({ name: 'h', type: 'A', value: 'not-an-ip' })), 'ERR_RECORD_INVALID'))
  const gen = store.index.generation
  const dup = await store.add({ name: 'H.EXAMPLE.COM.', type: 'cname', value: 'target.example.com' })
  t.same(dup.messages, ['record already exists'])
  t.equal(dup.records[0].id, 'abc')
  t.equal(store.index.generation, gen, 'no change')
  t.equal(store.list().length, 2)
})

t.test('update with id replaces name/type/value/ttl and stamps updated_on', async (t) => {
  const dir = await tempDir(t)
  const store = await openStore(t, { path: join(dir, 'r.json') })
  const { records: [a] } = await store.add({ name: 'a.example.com', type: 'A', value: '192.0.2.1', ttl: 60 })
  await store.add({ name: 'b.example.com', type: 'A', value: '192.0.2.2' })
  const res = await store.update({ id: a.id, name: 'c.example.com', type: 'AAAA', value: '2001:db8::1' })
  t.same(res.records[0], { ...a, name: 'c.example.com', type: 'AAAA', value: '2001:db8::1', ttl: 60, updated_on: '2025-01-01T10:00:00.5Z' })
  t.equal(store.index.lookup('a.example.com', 'A').length, 0)
  t.ok(hasCode(await rejection(store.update({ id: 'nope', name: 'x', type: 'A', value: '192.0.2.1' })), 'ERR_RECORD_NOT_FOUND'))
  t.ok(
    hasCode(await rejection(store.update({ id: a.id, name: 'b.example.com', type: 'A', value: '192.0.2.2' })), 'ERR_RECORD_CONFLICT'),
    'cannot become a duplicate of another record',
  )
})

t.test('update without id upserts on name+type+value changing the ttl', async (t) => {
  const dir = await tempDir(t)
  const store = await openStore(t, { path: join(dir, 'r.json') })
  await store.add({ name: 'a.example.com', type: 'A', value: '192.0.2.1', ttl: 60 })
  const res = await store.update({ name: 'A.example.com.', type: 'A', value: '192.0.2.1', ttl: 120 })
  t.equal(res.records[0].ttl, 120)
  t.equal(store.list().filter((r) => r.name === 'a.example.com').length, 1)
  const ins = await store.update({ name: 'new.example.com', type: 'A', value: '192.0.2.7' })
  t.equal(ins.records[0].ttl, 3600)
  t.ok(store.index.hasName('new.example.com'))
})

t.test('remove by id or by name/type/value; nothing matching is ERR_RECORD_NOT_FOUND', async (t) => {
  const dir = await tempDir(t)
  const store = await openStore(t, { path: join(dir, 'r.json') })
  const { records: [a] } = await store.add({ name: 'a.example.com', type: 'A', value: '192.0.2.1' })
  await store.add({ name: 'm.example.com', type: 'A', value: '192.0.2.2' })
  await store.add({ name: 'm.example.com', type: 'A', value: '192.0.2.3' })
  await store.add({ name: 'm.example.com', type: 'TXT', value: '"x"' })
  t.equal((await store.remove({ id: a.id! })).records.length, 1)
  t.equal((await store.remove({ name: 'M.example.com.', type: 'a', value: '192.0.2.3' })).records.length, 1)
  t.equal((await store.remove({ name: 'm.example.com', type: 'A' })).records.length, 1)
  t.equal((await store.remove({ name: 'm.example.com' })).records.length, 1)
  t.ok(hasCode(await rejection(store.remove({ name: 'm.example.com' })), 'ERR_RECORD_NOT_FOUND'))
  t.ok(hasCode(await rejection(store.remove({ id: 'nope' })), 'ERR_RECORD_NOT_FOUND'))
  t.same(store.list().map((r) => r.name), ['example.com'])
})

t.test('50 parallel adds all land and the file still parses', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'r.json')
  const store = await openStore(t, { path, newId: undefined })
  await Promise.all(
    Array.from({ length: 50 }, (_, i) => store.add({ name: `h${i}.example.com`, type: 'A', value: `192.0.2.${i + 1}` })),
  )
  t.equal(store.list().length, 51)
  const onDisk = parseRecordsFile(await readFile(path, 'utf8'))
  t.equal(onDisk.length, 51)
  t.equal(new Set(onDisk.map((r) => r.id)).size, 51, 'distinct ids (the example record has none)')
})

t.test('a failed persist leaves memory and file as they were', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'r.json')
  const store = await openStore(t, { path })
  const before = await readFile(path, 'utf8')
  const gen = store.index.generation
  // Replace the file with a directory so the rename fails.
  await unlink(path)
  await mkdir(path)
  const err = await rejection(store.add({ name: 'x.example.com', type: 'A', value: '192.0.2.1' }))
  t.ok(hasCode(err, 'ERR_RECORDS_WRITE'))
  t.equal(store.index.generation, gen)
  t.equal(store.list().length, 1)
  await rm(path, { recursive: true })
  await writeFile(path, before)
  t.equal((await store.add({ name: 'x.example.com', type: 'A', value: '192.0.2.1' })).records.length, 1, 'queue still works')
})

t.test('replaceAll keeps per-record metadata and emits with the given source', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'r.json')
  const store = await openStore(t, { path })
  const incoming = [rec('peer.example.com.', 'a', '192.0.2.5', { id: 'p1', added_on: '2024-01-01T00:00:00.25+02:00', mac: 'm' })]
  const change = nextChange(store, () => true)
  await store.replaceAll(incoming, 'cluster')
  const c = await change
  t.equal(c.source, 'cluster')
  t.equal(c.kind, 'replace')
  t.same(store.list(), [{ ...incoming[0], name: 'peer.example.com', type: 'A' }])
  t.same(parseRecordsFile(await readFile(path, 'utf8')), store.list())
})

t.test('reload re-reads the file; a bad file keeps the old records and throws', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'r.json')
  const store = await openStore(t, { path })
  await writeFile(path, '{"records":[{"name":"a","type":"A","value":"192.0.2.1","ttl":1},{"name":"b","type":"A","value":"192.0.2.2","ttl":1}]}')
  t.equal(await store.reload(), 2)
  await writeFile(path, '{"records":[')
  t.ok(hasCode(await rejection(store.reload()), 'ERR_RECORDS_PARSE'))
  t.equal(store.list().length, 2)
})

t.test('save writes the current set in pretty form when asked', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'r.json')
  const store = await openStore(t, { path, prettyJson: true })
  await store.save()
  t.match(await readFile(path, 'utf8'), /^\{\n {2}"records": \[\n {4}\{/)
})

t.test('picks up an external edit, ignores its own writes, and survives bad edits and deletion', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'r.json')
  const log = fakeLog()
  const store = await openStore(t, { path, watch: true, watchDebounceMs: 50, log })
  await store.start()

  const events: RecordChange[] = []
  store.onChange((c) => events.push(c))

  // 1. An external edit (written by rename, as editors do) arrives with source 'file'.
  const fileChange = nextChange(store, (c) => c.source === 'file')
  await writeFile(join(dir, 'edit.tmp'), '{"records":[{"name":"ext.example.com","type":"A","value":"192.0.2.50","ttl":5}]}')
  await rename(join(dir, 'edit.tmp'), path)
  const c = await fileChange
  t.equal(c.kind, 'replace')
  t.same(store.list().map((r) => r.name), ['ext.example.com'])

  // 2. Our own write must not come back as a 'file' change.
  await store.add({ name: 'own.example.com', type: 'A', value: '192.0.2.51' })
  // A later external edit proves the watcher processed everything before it.
  const second = nextChange(store, (c) => c.source === 'file')
  await writeFile(path, '{"records":[{"name":"second.example.com","type":"A","value":"192.0.2.52","ttl":5}]}')
  await second
  t.same(events.map((e) => e.source), ['file', 'local', 'file'], 'own write did not re-trigger a reload')

  // 3. A bad edit keeps the old records and logs one error even across several events.
  await writeFile(path, '{"records":[{"name":"bad","ttl":"x"}]}')
  t.ok(await waitFor(() => log.lines.some((l) => l.msg.includes('edit rejected'))), 'error logged')
  await writeFile(path, '{"records":[{"name":"bad","ttl":"x"}]}') // same bytes again
  await new Promise((r) => setTimeout(r, 300)) // let the second event pass through the debounce
  t.equal(log.lines.filter((l) => l.msg.includes('edit rejected')).length, 1, 'logged once')
  t.same(store.list().map((r) => r.name), ['second.example.com'])
  const rejected = log.lines.find((l) => l.msg.includes('edit rejected'))
  t.match(rejected?.obj, { reason: /records\[0\]\.type: is required/ })

  // 4. Deleting the file keeps serving and logs once.
  await unlink(path)
  t.ok(await waitFor(() => log.lines.some((l) => l.msg.includes('deleted'))), 'deletion logged')
  t.equal(log.lines.filter((l) => l.msg.includes('deleted')).length, 1)
  t.same(store.list().map((r) => r.name), ['second.example.com'])

  // 5. The file coming back is picked up again.
  const back = nextChange(store, (c) => c.source === 'file')
  await writeFile(path, '{"records":null}')
  await back
  t.equal(store.list().length, 0)
})

t.test('a read-only records file is reported at open, and writes are refused, not acknowledged', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  const original = JSON.stringify({ records: [{ name: 'keep.example', type: 'A', value: '192.0.2.1', ttl: 60 }] })
  await writeFile(path, original)
  await chmod(path, 0o444)
  const log = fakeLog()
  const store = await openStore(t, { path, log })
  t.ok(log.lines.some((l) => l.level === 'warn' && /read-only \(mode 0444\).*refused until it is writable/.test(l.msg)), 'reported at open')
  const events: RecordChange[] = []
  store.onChange((c) => events.push(c))
  const err = await rejection(store.add({ name: 'new.example', type: 'A', value: '192.0.2.2' }))
  t.ok(hasCode(err, 'ERR_READ_ONLY_SOURCE'), 'the write is refused with a clear error')
  t.match((err as Error).message, /dnsrecords\.json: the file is read-only/)
  t.equal(await readFile(path, 'utf8'), original, 'the file is not replaced')
  t.same(store.list().map((r) => r.name), ['keep.example'], 'memory unchanged')
  t.same(events, [], 'no change event (nothing replicates)')
  t.ok(hasCode(await rejection(store.replaceAll([], 'cluster')), 'ERR_READ_ONLY_SOURCE'), 'a cluster apply is refused too')
  t.ok(log.lines.some((l) => l.level === 'warn' && /records change refused/.test(l.msg)), 'each refusal is logged')
  await chmod(path, 0o644)
  await store.add({ name: 'new.example', type: 'A', value: '192.0.2.2' })
  t.equal(store.list().length, 2, 'writes work again once it is writable')
})
