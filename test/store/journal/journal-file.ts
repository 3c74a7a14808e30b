import { mkdir, readFile, rmdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { isDnsplaneError } from '../../../src/errors.js'
import { JOURNAL_FILE_MODE, JournalFile, readJournalBytes, type JournalHandle } from '../../../src/store/journal/journal-file.js'
import { rejection, tempDir } from '../../helpers/fs.js'

/** An in-memory journal handle whose fdatasync calls wait until released (group commit is observable without timing). */
class HeldSyncHandle implements JournalHandle {
  bytes = Buffer.alloc(0)
  syncs = 0
  /** Bytes that were on "disk" when each sync completed. */
  durable: number[] = []
  failNextSync: Error | undefined
  writeLimit = Infinity
  private waiting: Array<() => void> = []

  async write(data: Uint8Array) {
    const n = Math.min(data.length, this.writeLimit)
    this.bytes = Buffer.concat([this.bytes, data.subarray(0, n)])
    return { bytesWritten: n }
  }

  datasync(): Promise<void> {
    this.syncs++
    const err = this.failNextSync
    this.failNextSync = undefined
    return new Promise((resolve, reject) =>
      this.waiting.push(() => {
        if (err) return reject(err)
        this.durable.push(this.bytes.length)
        resolve()
      }),
    )
  }

  /** Completes every sync waiting now. */
  release(): void {
    const w = this.waiting
    this.waiting = []
    for (const f of w) f()
  }

  get pendingSyncs(): number {
    return this.waiting.length
  }

  async truncate(len: number) {
    this.bytes = this.bytes.subarray(0, len)
  }

  async close() {}
}

const frame = (s: string) => Buffer.from(s)
const flushMicrotasks = () => new Promise((r) => setImmediate(r))

async function openHeld(): Promise<{ journal: JournalFile; fh: HeldSyncHandle }> {
  const fh = new HeldSyncHandle()
  const journal = await JournalFile.open('/virtual/journal', async () => fh)
  return { journal, fh }
}

t.test('appends made while an fsync is in flight share the next fsync; each resolves only after its own', async (t) => {
  const { journal, fh } = await openHeld()
  const done: number[] = []
  const first = journal.append(frame('0')).then(() => done.push(0))
  await flushMicrotasks()
  t.equal(fh.pendingSyncs, 1, 'the first append is being synced')
  const rest = Array.from({ length: 9 }, (_, i) => journal.append(frame(String(i + 1))).then(() => done.push(i + 1)))
  await flushMicrotasks()
  t.equal(fh.pendingSyncs, 1, 'nothing else is synced while the first fsync is in flight')
  fh.release()
  await first
  await flushMicrotasks()
  t.same(done, [0], 'the nine later appends are not acknowledged by the first fsync')
  t.equal(fh.pendingSyncs, 1, 'the nine share one fsync')
  fh.release()
  await Promise.all(rest)
  t.same(done, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'acknowledged in order')
  t.equal(fh.syncs, 2, '10 writes, 2 fsyncs')
  t.equal(journal.syncs, 2)
  t.same(fh.durable, [1, 10])
  t.equal(fh.bytes.toString(), '0123456789', 'written in append order')
})

t.test('appends in the same turn form one batch', async (t) => {
  const { journal, fh } = await openHeld()
  const all = Promise.all([journal.append(frame('a')), journal.append(frame('b')), journal.append(frame('c'))])
  await flushMicrotasks()
  fh.release()
  await all
  t.equal(fh.syncs, 1)
})

t.test('a failed fsync refuses its batch and everything queued, and the journal until reset', async (t) => {
  const { journal, fh } = await openHeld()
  fh.failNextSync = new Error('EIO')
  const a = rejection(journal.append(frame('a')))
  await flushMicrotasks()
  const b = rejection(journal.append(frame('b')))
  fh.release()
  for (const err of [await a, await b]) {
    t.ok(isDnsplaneError(err, 'ERR_RECORDS_WRITE'))
    t.match((err as Error).message, 'cannot write the records journal /virtual/journal: EIO')
  }
  t.ok(journal.isFailed)
  t.ok(isDnsplaneError(await rejection(journal.append(frame('c'))), 'ERR_RECORDS_WRITE'), 'refused while failed')
  const reset = journal.reset(frame('BASE'))
  await flushMicrotasks()
  fh.release()
  await reset
  t.notOk(journal.isFailed)
  t.equal(fh.bytes.toString(), 'BASE', 'the failed bytes are gone')
  const ok = journal.append(frame('d'))
  await flushMicrotasks()
  fh.release()
  await ok
  t.equal(fh.bytes.toString(), 'BASEd')
})

t.test('a failed reset leaves the journal failed; a short write is continued, a stuck one fails', async (t) => {
  const { journal, fh } = await openHeld()
  fh.failNextSync = new Error('ENOSPC')
  const reset = rejection(journal.reset(frame('BASE')))
  await flushMicrotasks()
  fh.release()
  t.ok(isDnsplaneError(await reset, 'ERR_RECORDS_WRITE'))
  t.ok(journal.isFailed)
  fh.writeLimit = 2
  const again = journal.reset(frame('BASE'))
  await flushMicrotasks()
  fh.release()
  await again
  t.equal(fh.bytes.toString(), 'BASE', 'written in pieces')
  fh.writeLimit = 0
  const stuck = rejection(journal.append(frame('x')))
  t.match((await stuck) as Error, { message: /write made no progress/ })
})

t.test('truncate cuts a tail durably; its failure is ERR_RECORDS_WRITE', async (t) => {
  const { journal, fh } = await openHeld()
  fh.bytes = Buffer.from('validtorn')
  const cut = journal.truncate(5)
  await flushMicrotasks()
  fh.release()
  await cut
  t.equal(fh.bytes.toString(), 'valid')
  fh.failNextSync = new Error('EIO')
  const bad = rejection(journal.truncate(1))
  await flushMicrotasks()
  fh.release()
  t.ok(isDnsplaneError(await bad, 'ERR_RECORDS_WRITE'))
})

t.test('on disk: created with mode 0600, appended, read back; a missing file reads as undefined', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json.journal')
  t.equal(await readJournalBytes(path), undefined)
  const journal = await JournalFile.open(path)
  await Promise.all([journal.append(frame('one')), journal.append(frame('two'))])
  await journal.close()
  t.equal((await stat(path)).mode & 0o777, JOURNAL_FILE_MODE)
  t.equal((await readJournalBytes(path))?.toString(), 'onetwo')
  t.equal(await readFile(path, 'utf8'), 'onetwo')
  t.ok(isDnsplaneError(await rejection(readJournalBytes(dir)), 'ERR_RECORDS_PARSE'), 'a directory cannot be read')
  t.ok(isDnsplaneError(await rejection(JournalFile.open(join(dir, 'missing', 'j'))), 'ERR_RECORDS_WRITE'))
  await writeFile(path, '')
})

t.test('rewrite: base + the bytes from an offset (minus the marker), renamed over; appends meanwhile follow in the new file', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'j')
  const journal = await JournalFile.open(path)
  await journal.append(frame('BASE'))
  const from = journal.size
  t.equal(from, 4)
  await journal.append(frame('tail1'))
  const at = await journal.append(frame('MARK'))
  t.equal(at, 9, 'append resolves with the frame offset')
  const done = journal.rewrite(frame('NEW'), from, [at, at + 4])
  const late = journal.append(frame('late')) // held while the rewrite runs, written to the new file
  await Promise.all([done, late])
  t.equal(await readFile(path, 'utf8'), 'NEWtail1late')
  t.equal(journal.size, 12)
  t.equal((await stat(path)).mode & 0o777, JOURNAL_FILE_MODE)
  await journal.rewrite(frame('B2'), journal.size, [0, 0])
  t.equal(await readFile(path, 'utf8'), 'B2', 'nothing after the offset: reset in place')
  await journal.close()
})

t.test('rewrite: a failure before the rename leaves the journal usable; after it, failed', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'j')
  let opens = 0
  let failOpen = false
  const journal = await JournalFile.open(path, async (p, mode) => {
    opens++
    if (failOpen) throw new Error('EMFILE')
    const { open } = await import('node:fs/promises')
    return open(p, 'a', mode)
  })
  await journal.append(frame('BASE'))
  await journal.append(frame('one'))
  // The new file cannot be made (a directory holds its name): nothing renamed, the journal goes on.
  await mkdir(`${path}.rewrite`)
  t.ok(isDnsplaneError(await rejection(journal.rewrite(frame('X'), 4, [7, 7])), 'ERR_RECORDS_WRITE'))
  t.equal(journal.isFailed, false)
  await rmdir(`${path}.rewrite`)
  await journal.append(frame('two'))
  t.equal(await readFile(path, 'utf8'), 'BASEonetwo')
  failOpen = true
  const rewriting = rejection(journal.rewrite(frame('X'), 4, [7, 10]))
  const held = rejection(journal.append(frame('held'))) // waits for the rewrite, then is refused with it
  t.ok(isDnsplaneError(await rewriting, 'ERR_RECORDS_WRITE'), 'the new file cannot be opened')
  t.ok(isDnsplaneError(await held, 'ERR_RECORDS_WRITE'), 'an append held meanwhile is refused')
  t.equal(journal.isFailed, true)
  t.equal(await readFile(path, 'utf8'), 'Xone', 'renamed: the new journal is in place')
  t.ok(isDnsplaneError(await rejection(journal.append(frame('three'))), 'ERR_RECORDS_WRITE'), 'refused until reset')
  t.equal(opens, 2)
})
