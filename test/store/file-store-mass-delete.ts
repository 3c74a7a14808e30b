/**
 * FileRecordStore and the mass-delete guard: a lost file is rewritten from memory, a file edit or
 * reload that deletes too much is held back until confirmed or discarded, and the record_lww
 * start-up reconciliation rebuilds a lost or seed-only file from what the node served.
 */
import { readFile, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import pino from 'pino'
import { Writable } from 'node:stream'
import t from 'tap'
import { isDnsplaneError } from '../../src/errors.js'
import { FileRecordStore, type FileRecordStoreOptions } from '../../src/store/file-store.js'
import type { RecordChange } from '../../src/store/record-store.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'
import { DEFAULT_RECORDS, parseRecordsFile, serializeRecordsFile } from '../../src/store/records-file.js'
import { rejection, tempDir } from '../helpers/fs.js'

type Teardown = { teardown(fn: () => unknown): void }

function memoryLog(): { log: pino.Logger; lines: Array<{ msg: string; level: number } & Record<string, unknown>> } {
  const lines: Array<{ msg: string; level: number } & Record<string, unknown>> = []
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l))
      cb()
    },
  })
  return { log: pino({ level: 'debug' }, sink), lines }
}

const rec = (i: number): DnsRecord => ({
  name: `r${i}.example.org`, type: 'A', value: `192.0.2.${i}`, ttl: 60, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})
const many = (n: number) => Array.from({ length: n }, (_, i) => rec(i + 1))

async function open(t: Teardown, path: string, opts: Partial<FileRecordStoreOptions> = {}) {
  const { log, lines } = memoryLog()
  const store = await FileRecordStore.open({ path, prettyJson: false, log, watch: false, now: () => new Date('2026-01-01T00:00:00Z'), ...opts })
  t.teardown(() => store.stop())
  return { store, lines }
}

async function fileNames(path: string): Promise<string[]> {
  return parseRecordsFile(await readFile(path, 'utf8')).map((r) => r.name)
}

/** Polls `cond` every 20 ms until true or `ms` passes. */
async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await cond()) return true
    await new Promise((r) => setTimeout(r, 20))
  }
  return cond()
}

t.test('a missing file is created with the seed records given (a cluster node passes none)', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  const { store } = await open(t, path, { seedRecords: [] })
  t.same(store.list(), [])
  t.ok(store.createdOnOpen)
  t.same(parseRecordsFile(await readFile(path, 'utf8')), [])
  const other = await open(t, join(dir, 'demo.json'))
  t.same(other.store.list().map((r) => r.name), [DEFAULT_RECORDS[0].name], 'default: the demo record')
  await writeFile(join(dir, 'existing.json'), '{"records":null}')
  t.notOk((await open(t, join(dir, 'existing.json'))).store.createdOnOpen)
})

t.test('a records file deleted while running is rewritten from memory', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  await writeFile(path, serializeRecordsFile(many(20), false))
  const { store, lines } = await open(t, path, { watch: true, watchDebounceMs: 30 })
  await store.start()
  const events: RecordChange[] = []
  store.onChange((c) => events.push(c))
  await unlink(path)
  t.ok(await waitFor(() => lines.some((l) => l.msg.includes('rewritten from the records in memory'))), 'logged')
  t.equal((await fileNames(path)).length, 20, 'the file holds the 20 records again')
  t.equal(store.list().length, 20, 'still serving')
  t.same(events, [], 'no change event: nothing was deleted')
})

t.test('reload of a deleted file rewrites it from memory', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  await writeFile(path, serializeRecordsFile(many(3), false))
  const { store } = await open(t, path)
  await unlink(path)
  t.equal(await store.reload(), 3)
  t.equal((await fileNames(path)).length, 3)
})

t.test('a file edit deleting more than the guard allows is held back; confirm applies it', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  await writeFile(path, serializeRecordsFile(many(50), false))
  const { store, lines } = await open(t, path, { watch: true, watchDebounceMs: 30 })
  await store.start()
  const events: RecordChange[] = []
  store.onChange((c) => events.push(c))

  await writeFile(path, serializeRecordsFile(many(10), false))
  t.ok(await waitFor(() => store.heldMassDelete() !== undefined), 'held')
  t.match(store.heldMassDelete(), { source: 'file', removed: 40, total: 50, proposed_total: 10, percent: 50 })
  t.equal(store.list().length, 50, 'still serving all 50')
  t.equal((await fileNames(path)).length, 50, 'the file mirrors what is served again')
  t.same(events, [], 'no change event while held')
  const line = lines.find((l) => l.msg.includes('would delete 40 of 50 records'))
  t.ok(line, 'logged with the counts')
  t.match(line?.msg, /mass-delete\/confirm/)

  await store.add({ name: 'late.example.org', type: 'A', value: '198.51.100.1' })
  const res = await store.confirmMassDelete()
  t.same(res, { removed: 40, records: 11 })
  t.same(store.list().map((r) => r.name).sort(), [...many(10).map((r) => r.name), 'late.example.org'].sort(), 'held deletes applied, later write kept')
  t.equal(events.at(-1)?.source, 'file', 'applied as the file edit it was')
  t.equal((await fileNames(path)).length, 11)
  t.equal(store.heldMassDelete(), undefined)
  t.ok(isDnsplaneError(await rejection(store.confirmMassDelete()), 'ERR_NOT_FOUND'), 'nothing left to confirm')
})

t.test('discard drops the held change and keeps the records', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  await writeFile(path, serializeRecordsFile(many(30), false))
  const { store } = await open(t, path)
  await writeFile(path, '{"records":[]}')
  const err = await rejection(store.reload())
  t.ok(isDnsplaneError(err, 'ERR_MASS_DELETE_HELD'), 'reload reports the hold')
  t.match((err as Error).message, /a records reload would delete 30 of 30 records/)
  t.match(store.heldMassDelete(), { source: 'reload', removed: 30 })
  t.same(await store.discardMassDelete(), { removed: 0, records: 30 })
  t.equal(store.heldMassDelete(), undefined)
  t.equal(store.list().length, 30)
  t.equal((await fileNames(path)).length, 30)
})

t.test('small deletes, deletes within the share and a disabled guard are applied at once', async (t) => {
  const dir = await tempDir(t)
  const cases: Array<[string, number, number, number]> = [
    ['9 of 9 (under the minimum count)', 9, 0, 50],
    ['25 of 50 (exactly half)', 50, 25, 50],
    ['50 of 50 with the guard off', 50, 0, 0],
  ]
  for (const [what, total, keep, percent] of cases) {
    const path = join(dir, `${total}-${keep}-${percent}.json`)
    await writeFile(path, serializeRecordsFile(many(total), false))
    const { store } = await open(t, path, { massDeleteGuardPercent: () => percent })
    await writeFile(path, serializeRecordsFile(many(keep), false))
    t.equal(await store.reload(), keep, what)
    t.equal(store.heldMassDelete(), undefined, `${what}: nothing held`)
  }
})

t.test('explicit deletes through the store API are never held back', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  await writeFile(path, serializeRecordsFile([...many(20), { ...rec(1), name: 'x.example.org' }], false))
  const { store } = await open(t, path)
  for (let i = 1; i <= 20; i++) await store.remove({ name: `r${i}.example.org` })
  t.equal(store.list().length, 1)
  t.equal(store.heldMassDelete(), undefined)
})

t.test('a newer edit within the guard replaces a held change', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  await writeFile(path, serializeRecordsFile(many(20), false))
  const { store } = await open(t, path)
  await writeFile(path, serializeRecordsFile(many(2), false))
  await rejection(store.reload())
  t.ok(store.heldMassDelete())
  await writeFile(path, serializeRecordsFile(many(19), false))
  t.equal(await store.reload(), 19)
  t.equal(store.heldMassDelete(), undefined, 'dropped: the operator\'s newest file stands')
})

t.test('reconcileAtStart: a created or seed-only file beside known records is rebuilt from them', async (t) => {
  const dir = await tempDir(t)
  const known = many(50)
  const created = await open(t, join(dir, 'missing.json'), { seedRecords: [] })
  t.equal(await created.store.reconcileAtStart(known), 'rebuilt')
  t.equal(created.store.list().length, 50)
  t.equal((await fileNames(join(dir, 'missing.json'))).length, 50)
  t.ok(created.lines.some((l) => l.msg.includes('was missing at start; rebuilt from the cluster replica')))

  const seedPath = join(dir, 'seed.json')
  await writeFile(seedPath, serializeRecordsFile(DEFAULT_RECORDS, false))
  const seed = await open(t, seedPath)
  t.equal(await seed.store.reconcileAtStart(known.slice(0, 3)), 'rebuilt', 'any count: the demo file is not an operator delete')
  t.equal(seed.store.list().length, 3)

  const emptyPath = join(dir, 'empty.json')
  await writeFile(emptyPath, '{"records":null}')
  const empty = await open(t, emptyPath)
  t.equal(await empty.store.reconcileAtStart([]), 'accepted', 'nothing known: nothing to rebuild')
})

t.test('reconcileAtStart: a file that deletes too much of the known set is held, the known set served', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'edited.json')
  await writeFile(path, serializeRecordsFile(many(5), false))
  const { store } = await open(t, path)
  t.equal(await store.reconcileAtStart(many(50)), 'held')
  t.equal(store.list().length, 50)
  t.equal((await fileNames(path)).length, 50)
  t.match(store.heldMassDelete(), { source: 'startup', removed: 45, total: 50, proposed_total: 5 })
  const events: RecordChange[] = []
  store.onChange((c) => events.push(c))
  t.same(await store.confirmMassDelete(), { removed: 45, records: 5 })
  t.equal(events[0]?.source, 'file', 'applied as a file edit (record_lww versions it as local deletes)')

  const smallPath = join(dir, 'small.json')
  await writeFile(smallPath, serializeRecordsFile(many(45), false))
  const small = await open(t, smallPath)
  t.equal(await small.store.reconcileAtStart(many(50)), 'accepted', 'a few deletes made while stopped stand')
  t.equal(small.store.list().length, 45)
})
