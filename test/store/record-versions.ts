/**
 * The store side of record_lww versions (issue #12): a versioner's payload is journaled in the same
 * entry as the change, acknowledged only once durable, refused with the write; every snapshot
 * carries its section; a store without a versioner writes the loaded section back unchanged, with
 * replayed payloads kept under "journal".
 */
import { open as openFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import pino from 'pino'
import t from 'tap'
import { isDnsplaneError } from '../../src/errors.js'
import { FileRecordStore, type FileRecordStoreOptions } from '../../src/store/file-store.js'
import type { JournalHandle } from '../../src/store/journal/journal-file.js'
import { passThroughSection, splitCarriedPayloads, UNFOLDED_KEY, VERSIONS_KEY, type LoadedVersions, type RecordVersioner } from '../../src/store/record-versions.js'
import { rejection, tempDir } from '../helpers/fs.js'

const log = pino({ level: 'silent' })

async function open(path: string, opts: Partial<FileRecordStoreOptions> = {}): Promise<FileRecordStore> {
  return FileRecordStore.open({ path, prettyJson: false, log, watch: false, seedRecords: [], flushDelayMs: 600_000, ...opts })
}

/** A versioner that numbers local writes and records what the store told it. */
function counting() {
  const calls: string[] = []
  let n = 0
  const v: RecordVersioner = {
    local(change) {
      const id = ++n
      calls.push(`local ${change.kind} ${id}`)
      return { journal: [id], acknowledged: () => calls.push(`ack ${id}`), refused: () => calls.push(`refused ${id}`) }
    },
    section: (records) => ({ n, records: records.length }),
  }
  return { v, calls }
}

const doc = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>

t.test('passThroughSection keeps the loaded section and appends replayed payloads', async (t) => {
  const loaded = (section: unknown, replayed: unknown[]): LoadedVersions => ({ section, replayed, created: false, isMassDelete: () => false })
  t.equal(passThroughSection(undefined), undefined)
  t.same(passThroughSection(loaded({ a: 1 }, [])), { a: 1 })
  t.same(passThroughSection(loaded({ a: 1, [UNFOLDED_KEY]: [[1]] }, [[2]])), { a: 1, [UNFOLDED_KEY]: [[1], [2]] })
  t.same(passThroughSection(loaded(undefined, [[3]])), { [UNFOLDED_KEY]: [[3]] })
  t.same(passThroughSection(loaded([1], [[3]])), { [UNFOLDED_KEY]: [[3]] }, 'a malformed section is not kept')
})

t.test('splitCarriedPayloads: a section that only carries replayed payloads is no section, plus those payloads', async (t) => {
  t.same(splitCarriedPayloads({ [UNFOLDED_KEY]: [[1], [2]] }), { section: undefined, carried: [[1], [2]] })
  const none: LoadedVersions = { section: undefined, replayed: [[3]], created: false, isMassDelete: () => false }
  t.same(splitCarriedPayloads(passThroughSection(none)), { section: undefined, carried: [[3]] }, 'round-trips passThroughSection over no section')
  const full = { format: 1, [UNFOLDED_KEY]: [[1]] }
  t.equal(splitCarriedPayloads(full).section, full, 'a real section (with its format) is left to the replica')
  t.same(splitCarriedPayloads({ [UNFOLDED_KEY]: 'x' }).carried, [], 'a malformed carrier is left to the replica to refuse')
  t.same(splitCarriedPayloads(undefined), { section: undefined, carried: [] })
  t.same(splitCarriedPayloads([1]), { section: [1], carried: [] })
})

t.test('journal mode: the payload rides in the change\'s entry; acknowledged after the fsync; a crash replays it', async (t) => {
  const path = join(await tempDir(t), 'dnsrecords.json')
  const store = await open(path)
  const { v, calls } = counting()
  store.attachVersioner(v)
  await store.add({ name: 'a.example', type: 'A', value: '192.0.2.1' })
  await store.remove({ name: 'a.example' })
  t.same(calls, ['local add 1', 'ack 1', 'local remove 2', 'ack 2'])
  await store.stop({ flush: false }) // a crash: only the journal holds the changes
  const again = await open(path)
  t.teardown(() => again.stop())
  t.same(again.loadedVersions()?.replayed, [[1], [2]], 'payloads replayed with their changes')
  t.same((await doc(path))[VERSIONS_KEY], { [UNFOLDED_KEY]: [[1], [2]] }, 'the start-up rewrite kept them for the versioner')
  const { v: v2 } = counting()
  again.attachVersioner(v2)
  t.same(again.loadedVersions()?.section, { n: 0, records: 0 }, 'once attached, the section is the versioner\'s current one')
  await again.save()
  t.same((await doc(path))[VERSIONS_KEY], { n: 0, records: 0 }, 'snapshots carry the versioner\'s section')
})

t.test('a refused journal append is refused to the versioner too', async (t) => {
  const path = join(await tempDir(t), 'dnsrecords.json')
  let fail = false
  const openJournal = async (p: string, mode: number): Promise<JournalHandle> => {
    const fh = await openFile(p, 'a', mode)
    return { write: (d) => fh.write(d), datasync: () => (fail ? Promise.reject(new Error('EIO')) : fh.datasync()), truncate: (n) => fh.truncate(n), close: () => fh.close() }
  }
  const store = await open(path, { openJournal })
  t.teardown(() => store.stop())
  const { v, calls } = counting()
  store.attachVersioner(v)
  fail = true
  t.ok(isDnsplaneError(await rejection(store.add({ name: 'lost.example', type: 'A', value: '192.0.2.1' })), 'ERR_RECORDS_WRITE'))
  t.same(calls, ['local add 1', 'refused 1'])
})

t.test('write-through: versioned before the rewrite, so the file holds the versions; a failed rewrite is refused', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  let failWrite = false
  const store = await open(path, {
    flushDelayMs: 0,
    writeSnapshot: async (p, text) => {
      if (failWrite) throw new Error('ENOSPC')
      await writeFile(p, text)
    },
  })
  t.teardown(() => store.stop())
  const { v, calls } = counting()
  store.attachVersioner(v)
  await store.add({ name: 'a.example', type: 'A', value: '192.0.2.1' })
  t.same((await doc(path))[VERSIONS_KEY], { n: 1, records: 1 })
  failWrite = true
  await rejection(store.add({ name: 'b.example', type: 'A', value: '192.0.2.2' }))
  t.same(calls, ['local add 1', 'ack 1', 'local add 2', 'refused 2'])
  t.same(store.list().map((r) => r.name), ['a.example'])
})

t.test('a store without a versioner writes the loaded section back unchanged', async (t) => {
  const path = join(await tempDir(t), 'dnsrecords.json')
  await writeFile(path, JSON.stringify({ records: [], [VERSIONS_KEY]: { keep: 'me' } }))
  const store = await open(path, { flushDelayMs: 0 })
  t.teardown(() => store.stop())
  await store.add({ name: 'a.example', type: 'A', value: '192.0.2.1' })
  t.same((await doc(path))[VERSIONS_KEY], { keep: 'me' })
  t.equal(store.loadedVersions()?.isMassDelete(90, 100), true, 'the guard\'s verdict (default 50 %)')
  t.equal(store.loadedVersions()?.isMassDelete(10, 100), false)
})
