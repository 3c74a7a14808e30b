/**
 * FileRecordStore with records_flush_delay_ms > 0: writes acknowledged from the journal, the file
 * rewritten by flush/stop/timer, start-up replay (torn tails, crashes inside a flush), group commit
 * through the store, hand edits merged with unflushed changes, refused writes.
 */
import { chmod, mkdir, open as openFile, readFile, rename, rm, stat, truncate, unlink, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import pino from 'pino'
import t from 'tap'
import { isDnsplaneError } from '../../src/errors.js'
import { FileRecordStore, type FileRecordStoreOptions } from '../../src/store/file-store.js'
import { stampIsSettled, writeFileAtomic } from '../../src/store/atomic-write.js'
import type { JournalHandle } from '../../src/store/journal/journal-file.js'
import type { RecordChange } from '../../src/store/record-store.js'
import { parseRecordsFile } from '../../src/store/records-file.js'
import { rejection, tempDir } from '../helpers/fs.js'

type Teardown = { teardown(fn: () => unknown): void }
type Line = { msg: string; level: number } & Record<string, unknown>

function memoryLog(): { log: pino.Logger; lines: Line[] } {
  const lines: Line[] = []
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Line)
      cb()
    },
  })
  return { log: pino({ level: 'debug' }, sink), lines }
}

const DELAY_NEVER = 600_000

async function open(t: Teardown, path: string, opts: Partial<FileRecordStoreOptions> = {}) {
  const { log, lines } = memoryLog()
  let n = 0
  const store = await FileRecordStore.open({
    path,
    prettyJson: false,
    log,
    watch: false,
    flushDelayMs: DELAY_NEVER,
    newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    now: () => new Date('2026-01-01T00:00:00Z'),
    ...opts,
  })
  t.teardown(() => store.stop({ flush: false }))
  return { store, lines }
}

const names = (s: FileRecordStore) => s.list().map((r) => r.name)
const fileNames = async (path: string) => parseRecordsFile(await readFile(path, 'utf8')).map((r) => r.name)
const add = (s: FileRecordStore, name: string, i = 1) => s.add({ name, type: 'A', value: `192.0.2.${i}`, ttl: 60 })

/** Polls `cond` every 10 ms until true or `ms` passes. */
async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await cond()) return true
    await new Promise((r) => setTimeout(r, 10))
  }
  return cond()
}

t.test('a write is acknowledged from the journal; the file follows on flush; a crash replays it', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  await writeFile(path, '{"records":[]}')
  const { store } = await open(t, path)
  const events: RecordChange[] = []
  store.onChange((c) => events.push(c))
  await add(store, 'a.example')
  t.same(names(store), ['a.example'], 'served')
  t.same(events.map((e) => [e.source, e.kind]), [['local', 'add']], 'listeners told once, as before')
  t.equal(await readFile(path, 'utf8'), '{"records":[]}', 'the file is not rewritten per write')
  t.equal((await stat(`${path}.journal`)).mode & 0o777, 0o600, 'journal mode 0600')
  await store.stop({ flush: false }) // a crash: nothing flushed
  const { store: again, lines } = await open(t, path)
  t.same(names(again), ['a.example'], 'replayed at start')
  t.ok(lines.some((l) => l.msg === 'records journal replayed' && l.replayed === 1))
  t.same(await fileNames(path), ['a.example'], 'and written to the file at start')
  t.same(await again.flush(), { flushed: false, records: 1 }, 'nothing left to flush')
  await add(again, 'b.example', 2)
  t.same(await again.flush(), { flushed: true, records: 2 })
  t.same(await fileNames(path), ['a.example', 'b.example'])
  t.ok((await stat(`${path}.journal`)).size < 200, 'the journal is reset to its base entry')
})

t.test('the file is rewritten in the background within the flush delay, and at stop', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  const { store } = await open(t, path, { flushDelayMs: 20, seedRecords: [] })
  await add(store, 'timer.example')
  t.ok(await waitFor(async () => (await fileNames(path)).includes('timer.example')), 'flushed by the timer')
  const { store: other } = await open(t, join(dir, 'other.json'), { seedRecords: [] })
  await add(other, 'stop.example')
  await other.stop()
  t.same(await fileNames(join(dir, 'other.json')), ['stop.example'], 'stop flushes')
  t.same(await other.flush(), { flushed: false, records: 1 }, 'a stopped store has nothing to flush')
})

t.test('a journal cut at every byte offset of its last entry recovers the state before it, logging the cut', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  await writeFile(path, '{"records":[]}')
  const { store } = await open(t, path)
  await add(store, 'one.example', 1)
  const before = (await stat(`${path}.journal`)).size
  await store.update({ name: 'one.example', type: 'A', value: '192.0.2.1', ttl: 99 })
  await store.stop({ flush: false })
  const journal = await readFile(`${path}.journal`)
  const file = await readFile(path)
  for (let cut = before; cut <= journal.length; cut++) {
    const d = join(dir, `cut-${cut}`)
    await mkdir(d)
    await writeFile(join(d, 'dnsrecords.json'), file)
    await writeFile(join(d, 'dnsrecords.json.journal'), journal.subarray(0, cut))
    const { store: s, lines } = await open(t, join(d, 'dnsrecords.json'))
    const ttl = s.list()[0]?.ttl
    const cutLogged = lines.some((l) => l.level === 40 && /torn or corrupt tail cut/.test(l.msg))
    await s.stop({ flush: false })
    if (ttl !== (cut === journal.length ? 99 : 60) || cutLogged !== (cut > before && cut < journal.length)) {
      t.fail(`cut at ${cut}: ttl ${ttl}, cut logged ${cutLogged}`)
      return
    }
    await rm(d, { recursive: true })
  }
  t.pass(`${journal.length - before + 1} cuts recovered`)
})

t.test('a crash inside a flush never loses or repeats a change', async (t) => {
  const dir = await tempDir(t)
  for (const when of ['before the rename', 'after the rename'] as const) {
    const path = join(dir, `${when === 'before the rename' ? 'a' : 'b'}.json`)
    await writeFile(path, '{"records":[]}')
    const crash = new Error('crash')
    const writeSnapshot = async (p: string, text: string) => {
      if (when === 'after the rename') await writeFileAtomic(p, text)
      throw crash
    }
    const { store } = await open(t, path, { writeSnapshot })
    await add(store, 'x.example', 1)
    await add(store, 'y.example', 2)
    t.equal(await rejection(store.flush()), crash)
    await store.stop({ flush: false })
    const { store: again, lines } = await open(t, path)
    t.same(names(again), ['x.example', 'y.example'], `${when}: each change once`)
    t.notOk(lines.some((l) => /changed while the node was stopped/.test(l.msg)), `${when}: the journal knows the file it wrote (flush marker)`)
  }
})

t.test('concurrent writes share fsyncs through the store, and each is acknowledged after its own', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  let syncs = 0
  const openJournal = async (p: string, mode: number): Promise<JournalHandle> => {
    const fh = await openFile(p, 'a', mode)
    return {
      write: (d) => fh.write(d),
      datasync: () => {
        syncs++
        return fh.datasync()
      },
      truncate: (n) => fh.truncate(n),
      close: () => fh.close(),
    }
  }
  const { store } = await open(t, path, { openJournal, seedRecords: [] })
  const start = syncs
  const acked: string[] = []
  await Promise.all(Array.from({ length: 40 }, (_, i) => add(store, `c${i}.example`, i + 1).then(() => acked.push(`c${i}.example`))))
  t.equal(acked.length, 40)
  t.ok(syncs - start < 40, `40 writes, ${syncs - start} fsyncs`)
  t.same(names(store), Array.from({ length: 40 }, (_, i) => `c${i}.example`), 'applied in call order')
  await store.stop({ flush: false })
  const { store: again } = await open(t, path)
  t.same(names(again), names(store), 'all 40 replayed')
})

t.test('duplicate, conflict and not-found answers are unchanged, and update/remove by position replay exactly', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  const { store } = await open(t, path, { seedRecords: [] })
  await add(store, 'a.example', 1)
  await add(store, 'b.example', 2)
  const dup = store.add({ name: 'a.example', type: 'A', value: '192.0.2.1' })
  const conflict = rejection(store.add({ id: '00000000-0000-4000-8000-000000000001', name: 'z', type: 'A', value: '192.0.2.9' }))
  t.same((await dup).messages, ['record already exists'], 'a duplicate of a write still in flight is seen')
  t.ok(isDnsplaneError(await conflict, 'ERR_RECORD_CONFLICT'))
  await add(store, 'c.example', 3)
  await store.update({ name: 'b.example', type: 'A', value: '192.0.2.2', ttl: 7 })
  await store.update({ id: '00000000-0000-4000-8000-000000000003', name: 'c2.example', type: 'A', value: '192.0.2.3' })
  await store.update({ name: 'd.example', type: 'A', value: '192.0.2.4' })
  await store.remove({ name: 'a.example' })
  t.ok(isDnsplaneError(await rejection(store.remove({ name: 'nope.example' })), 'ERR_RECORD_NOT_FOUND'))
  const want = store.list()
  await store.stop({ flush: false })
  const { store: again } = await open(t, path)
  t.same(again.list(), want)
})

t.test('a hand edit of the file is merged with changes not yet flushed', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  await writeFile(path, '{"records":[{"name":"keep.example","type":"A","value":"192.0.2.1","ttl":60},{"name":"drop.example","type":"A","value":"192.0.2.2","ttl":60}]}')
  const { store } = await open(t, path, { watch: true, watchDebounceMs: 20 })
  await store.start()
  await add(store, 'api.example', 3)
  const edited = new Promise<RecordChange>((resolve) => store.onChange((c) => c.source === 'file' && resolve(c)))
  await writeFile(join(dir, 'edit.tmp'), '{"records":[{"name":"keep.example","type":"A","value":"192.0.2.1","ttl":60},{"name":"hand.example","type":"A","value":"192.0.2.4","ttl":60}]}')
  await rename(join(dir, 'edit.tmp'), path)
  await edited
  t.same(names(store), ['keep.example', 'api.example', 'hand.example'], 'the edit applied, the unflushed write kept')
  t.same(await fileNames(path), ['keep.example', 'api.example', 'hand.example'], 'the file rewritten from the merge')
  // An edit while nothing is unflushed (read by a reload: the watcher may still be settling after
  // the rewrite): the file stands as written and becomes the journal base.
  const text = '{"records":[{"name":"only.example","type":"A","value":"192.0.2.5","ttl":60}]}'
  await writeFile(path, text)
  t.equal(await store.reload(), 1)
  t.equal(await readFile(path, 'utf8'), text, 'the operator\'s bytes are kept')
  await add(store, 'after.example', 6)
  await store.stop({ flush: false })
  const { store: again } = await open(t, path)
  t.same(names(again), ['only.example', 'after.example'])
})

t.test('a background flush reads a hand edit the watcher has not reported yet instead of writing over it', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  await writeFile(path, '{"records":[{"name":"keep.example","type":"A","value":"192.0.2.1","ttl":60}]}')
  // the watcher's own check waits a minute: only the flush can find the edit
  const { store } = await open(t, path, { watch: true, watchDebounceMs: 60_000 })
  await store.start()
  await add(store, 'api.example', 3)
  await writeFile(path, '{"records":[{"name":"keep.example","type":"A","value":"192.0.2.1","ttl":60},{"name":"hand.example","type":"A","value":"192.0.2.4","ttl":60}]}')
  t.match(await store.flush({ background: true }), { records: 3 })
  t.same(names(store), ['keep.example', 'api.example', 'hand.example'], 'the edit applied, the unflushed write kept')
  t.same(await fileNames(path), ['keep.example', 'api.example', 'hand.example'], 'the file holds both')
})

t.test('a hand edit landing between the flush reading the file and its rename is read, never written over', async (t) => {
  const seed = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `r${i}.example`, type: 'A', value: `192.0.2.${i + 1}`, ttl: 60 }))
  for (const [label, edit, expectHeld] of [
    ['a mass delete is held', seed(2), true],
    ['a small edit is applied', [...seed(20), { name: 'hand.example', type: 'A', value: '198.51.100.1', ttl: 60 }], false],
  ] as const) {
    const dir = await tempDir(t)
    const path = join(dir, 'dnsrecords.json')
    await writeFile(path, JSON.stringify({ records: seed(20) }))
    let edited = false
    // The operator's save lands after checkBeforeFlush read the file, before the snapshot's rename.
    const writeSnapshot: FileRecordStoreOptions['writeSnapshot'] = async (p, text, opts) => {
      if (!edited) {
        edited = true
        await writeFile(p, JSON.stringify({ records: edit }))
      }
      await writeFileAtomic(p, text, opts)
    }
    const { store, lines } = await open(t, path, { watch: true, watchDebounceMs: 60_000, writeSnapshot })
    await store.start()
    await add(store, 'api.example', 200)
    await store.flush({ background: true })
    t.ok(lines.some((l) => l.msg.includes('changed while being flushed')), `${label}: the refused rename is logged`)
    if (expectHeld) {
      t.match(store.heldMassDelete(), { source: 'file', removed: 18 }, `${label}`)
      t.equal(store.list().length, 21, `${label}: nothing deleted while held`)
    } else {
      t.equal(store.heldMassDelete(), undefined)
      t.ok(names(store).includes('hand.example') && names(store).includes('api.example'), `${label}, the unflushed write kept`)
    }
    t.same((await fileNames(path)).sort(), names(store).sort(), `${label}: the file mirrors what is served`)
    await store.stop({ flush: false })
  }
})

t.test('the flush at stop reads an edit the watcher had not reported before it closed', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  await writeFile(path, '{"records":[{"name":"keep.example","type":"A","value":"192.0.2.1","ttl":60}]}')
  const { store, lines } = await open(t, path, { watch: true, watchDebounceMs: 60_000 })
  await store.start()
  await add(store, 'api.example', 3)
  await writeFile(path, '{"records":[{"name":"keep.example","type":"A","value":"192.0.2.1","ttl":60},{"name":"hand.example","type":"A","value":"192.0.2.4","ttl":60}]}')
  await store.stop()
  t.same(await fileNames(path), ['keep.example', 'api.example', 'hand.example'], 'the file holds the edit and the unflushed write')
  t.notOk(lines.some((l) => l.msg.includes('flush at stop failed')), 'the stop flush succeeded')
})

t.test('a background flush reads the file only when its stamp moved since it was last read', async (t) => {
  for (const keepMtime of [true, false]) {
    const dir = await tempDir(t)
    const path = join(dir, 'dnsrecords.json')
    const text = '{"records":[{"name":"keep.example","type":"A","value":"192.0.2.1","ttl":60}]}'
    await writeFile(path, text)
    const old = new Date(Date.now() - 10_000)
    await utimes(path, old, old) // settled: read a tick after its last change
    const { store, lines } = await open(t, path, { watch: true, watchDebounceMs: 60_000 })
    await store.start()
    await add(store, 'api.example', 3)
    // Bytes changed in place, same size; with keepMtime the stamp (inode, size, mtime) is the one read at start.
    const fh = await openFile(path, 'r+')
    await fh.write(Buffer.from('X'.repeat(text.length)), 0, text.length, 0)
    await fh.close()
    if (keepMtime) await utimes(path, old, old)
    await store.flush({ background: true })
    const rejected = lines.some((l) => l.msg === 'records file edit rejected; keeping current records')
    t.equal(rejected, !keepMtime, keepMtime ? 'same stamp: not read again' : 'moved stamp: read (and rejected)')
    await store.stop({ flush: false })
  }
})

t.test('stampIsSettled: a stamp taken within a timestamp tick of the write proves nothing', async (t) => {
  const stamp = { ino: 1n, size: 1n, mtimeNs: 1_000_000_000_000n }
  t.notOk(stampIsSettled(stamp, 1_000_000 + 5), '5 ms after the write')
  t.ok(stampIsSettled(stamp, 1_000_000 + 100), '100 ms after')
})

t.test('reload keeps changes not yet flushed; a file edited while stopped gets the journal re-based on it', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  await writeFile(path, '{"records":[{"name":"file.example","type":"A","value":"192.0.2.1","ttl":60}]}')
  const { store } = await open(t, path)
  await add(store, 'api.example', 2)
  t.equal(await store.reload(), 2, 'the unchanged file does not revert the write')
  t.same(names(store), ['file.example', 'api.example'])
  await add(store, 'late.example', 3)
  await store.stop({ flush: false })
  await writeFile(path, '{"records":[{"name":"edited.example","type":"A","value":"192.0.2.9","ttl":60}]}')
  const { store: again, lines } = await open(t, path)
  t.same(names(again), ['edited.example', 'late.example'], 'the reload wrote api.example to the file; the operator then removed it')
  t.ok(lines.some((l) => /changed while the node was stopped/.test(l.msg)))
})

t.test('writes the file could not take are refused before the journal, as without it', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  const { store, lines } = await open(t, path, { seedRecords: [] })
  await chmod(path, 0o444)
  t.ok(isDnsplaneError(await rejection(add(store, 'ro.example')), 'ERR_READ_ONLY_SOURCE'))
  t.ok(lines.some((l) => /records change refused/.test(l.msg)))
  await chmod(path, 0o644)
  await rename(path, `${path}.bak`)
  await mkdir(path)
  const err = await rejection(add(store, 'dir.example'))
  t.ok(isDnsplaneError(err, 'ERR_RECORDS_WRITE'))
  t.match((err as Error).message, /dnsrecords\.json: not a regular file/)
  t.same(names(store), [], 'nothing refused is served')
  await rm(path, { recursive: true })
  await add(store, 'back.example', 1)
  t.same(await fileNames(path), ['back.example'], 'a missing file is written back at once')
})

t.test('a failed journal append is not acknowledged; the next write rewrites the file and resets the journal', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  let failSync = false
  const openJournal = async (p: string, mode: number): Promise<JournalHandle> => {
    const fh = await openFile(p, 'a', mode)
    return {
      write: (d) => fh.write(d),
      datasync: () => (failSync ? Promise.reject(new Error('EIO')) : fh.datasync()),
      truncate: (n) => fh.truncate(n),
      close: () => fh.close(),
    }
  }
  const { store } = await open(t, path, { openJournal, seedRecords: [] })
  await add(store, 'ok.example', 1)
  failSync = true
  const events: RecordChange[] = []
  store.onChange((c) => events.push(c))
  t.ok(isDnsplaneError(await rejection(add(store, 'lost.example', 2)), 'ERR_RECORDS_WRITE'), 'refused')
  t.same(names(store), ['ok.example'], 'memory unchanged')
  t.same(events, [], 'no change event')
  failSync = false
  await add(store, 'next.example', 4)
  t.same(await fileNames(path), ['ok.example', 'next.example'], 'written through')
  await add(store, 'journaled.example', 5)
  await store.stop({ flush: false })
  const { store: again } = await open(t, path)
  t.same(names(again), ['ok.example', 'next.example', 'journaled.example'], 'the refused writes never come back')
})

t.test('without a flush delay a journal left by an earlier run is replayed and removed', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  const { store } = await open(t, path, { seedRecords: [] })
  await add(store, 'left.example', 1)
  await store.stop({ flush: false })
  const { store: through } = await open(t, path, { flushDelayMs: 0 })
  t.same(names(through), ['left.example'])
  t.same(await fileNames(path), ['left.example'])
  t.equal(await stat(`${path}.journal`).catch(() => undefined), undefined, 'journal removed')
  await add(through, 'direct.example', 2)
  t.same(await fileNames(path), ['left.example', 'direct.example'], 'write-through as before')
})

t.test('a journal that cannot be replayed into the file at start keeps the changes for the next start', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  const { store } = await open(t, path, { seedRecords: [] })
  await add(store, 'kept.example', 1)
  await store.stop({ flush: false })
  await chmod(path, 0o444)
  const { store: ro, lines } = await open(t, path, { flushDelayMs: 0 })
  t.same(names(ro), ['kept.example'], 'served from the journal')
  t.ok(lines.some((l) => /could not be rewritten after the journal replay/.test(l.msg)))
  await ro.stop()
  await chmod(path, 0o644)
  const { store: rw } = await open(t, path)
  t.same(names(rw), ['kept.example'])
  await truncate(`${path}.journal`, 0)
  await unlink(`${path}.journal`)
})

t.test('a journal that cannot be created (and none to replay) leaves the store writing through', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  const { store, lines } = await open(t, path, { seedRecords: [], openJournal: async () => { throw new Error('EACCES') } })
  t.ok(lines.some((l) => /records journal cannot be created/.test(l.msg)))
  await add(store, 'through.example', 1)
  t.same(await fileNames(path), ['through.example'], 'written at once')
  await writeFile(`${path}.journal`, 'x')
  t.ok(isDnsplaneError(await rejection(open(t, path, { openJournal: async () => { throw new Error('EACCES') } })), 'ERR_RECORDS_WRITE'), 'a journal that exists but cannot be opened stops the start')
})

t.test('an edit that fails to parse is never overwritten by the background flush or at stop', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  const { store, lines } = await open(t, path, { seedRecords: [], watch: true, watchDebounceMs: 20 })
  await store.start()
  await add(store, 'pending.example', 1)
  const bad = '{"records":[{"name":"x","ttl":"nope"}]}'
  await writeFile(path, bad)
  t.ok(await waitFor(() => lines.some((l) => /edit rejected/.test(l.msg))), 'the bad edit is seen and rejected')
  await store.stop()
  t.equal(await readFile(path, 'utf8'), bad, 'kept as the operator wrote it')
  t.ok(lines.some((l) => /holds a rejected edit; not rewritten/.test(l.msg)))
  await writeFile(path, '{"records":[]}')
  const { store: again } = await open(t, path)
  t.same(names(again), ['pending.example'], 'the journal kept the acknowledged change')
})
