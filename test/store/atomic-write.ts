import { chmod, mkdir, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { rejection, tempDir as makeTempDir } from '../helpers/fs.js'
import { isDnsplaneError } from '../../src/errors.js'
import { fileStamp, FileChangedError, sameStamp, writeFileAtomic } from '../../src/store/atomic-write.js'

const tempDir = (t: { teardown(fn: () => unknown): void }) => makeTempDir(t, 'dnsplane-atomic-')


t.test('creates a new file and replaces an existing one', async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 'a.json')
  await writeFileAtomic(file, 'one\n')
  t.equal(await readFile(file, 'utf8'), 'one\n')
  await writeFileAtomic(file, Buffer.from('two\n'))
  t.equal(await readFile(file, 'utf8'), 'two\n')
  t.same(await readdir(dir), ['a.json'], 'no temp file left behind')
})

t.test('keeps the mode of the file it replaces, or applies the given one', async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 'a.json')
  await writeFile(file, 'x')
  await chmod(file, 0o600)
  await writeFileAtomic(file, 'y')
  t.equal((await stat(file)).mode & 0o777, 0o600)
  await writeFileAtomic(file, 'z', { mode: 0o640 })
  t.equal((await stat(file)).mode & 0o777, 0o640)
})

t.test('fails with ERR_RECORDS_WRITE when the target is a directory, leaving it and no temp file', async (t) => {
  const dir = await tempDir(t)
  const target = join(dir, 'taken')
  await mkdir(target)
  await writeFile(join(target, 'inside'), 'keep')
  const err = await rejection(writeFileAtomic(target, 'data'))
  t.ok(isDnsplaneError(err, 'ERR_RECORDS_WRITE'))
  t.ok((err as Error).cause, 'carries the cause')
  t.equal(await readFile(join(target, 'inside'), 'utf8'), 'keep')
  t.same(await readdir(dir), ['taken'], 'temp file removed')
})

t.test('fails when the directory does not exist', async (t) => {
  const dir = await tempDir(t)
  const err = await rejection(writeFileAtomic(join(dir, 'missing', 'a.json'), 'data'))
  t.ok(isDnsplaneError(err, 'ERR_RECORDS_WRITE'))
})

t.test('a failed write leaves the previous file untouched and removes the temp file', async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 'a.json')
  await writeFile(file, 'old')
  // Data that cannot be written makes the write itself fail after the temp file exists.
  const err = await rejection(writeFileAtomic(file, 42 as unknown as string))
  t.ok(isDnsplaneError(err, 'ERR_RECORDS_WRITE'))
  t.equal(await readFile(file, 'utf8'), 'old')
  t.same(await readdir(dir), ['a.json'])
})

t.test('a read-only directory fails the write and keeps the old file', { skip: process.getuid?.() === 0 ? 'root ignores permissions' : false }, async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 'a.json')
  await writeFile(file, 'old')
  await chmod(dir, 0o500)
  t.teardown(() => chmod(dir, 0o700))
  const err = await rejection(writeFileAtomic(file, 'new'))
  t.ok(isDnsplaneError(err, 'ERR_RECORDS_WRITE'))
  t.equal(await readFile(file, 'utf8'), 'old')
})

t.test('a read-only file (no write bit; also when running as root) is not replaced around the operator', async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 'ro.json')
  for (const mode of [0o444, 0o400, 0o555]) {
    await chmod(file, 0o644).catch(() => undefined)
    await writeFile(file, 'original')
    await chmod(file, mode)
    const ino = (await stat(file)).ino
    const err = await rejection(writeFileAtomic(file, 'replacement'))
    t.ok(isDnsplaneError(err, 'ERR_READ_ONLY_SOURCE'), `mode ${mode.toString(8)}: refused`)
    t.match((err as Error).message, new RegExp(`ro\\.json: the file is read-only \\(mode 0${mode.toString(8)}\\).*chmod u\\+w`))
    t.equal(await readFile(file, 'utf8'), 'original', 'content untouched')
    t.equal((await stat(file)).ino, ino, 'the same file, not a replacement')
    t.same(await readdir(dir), ['ro.json'], 'no temp file left')
  }
  await chmod(file, 0o644)
  await writeFileAtomic(file, 'now writable')
  t.equal(await readFile(file, 'utf8'), 'now writable', 'writable again after chmod u+w')
})

t.test('unchangedSince: a file written after that stamp is not replaced; the same or a vanished file is', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'f.json')
  await writeFile(path, 'read')
  const seen = await fileStamp(path)
  t.ok(sameStamp(seen, await fileStamp(path)), 'a stamp matches itself')
  await writeFileAtomic(path, 'ours', { unchangedSince: seen })
  t.equal(await readFile(path, 'utf8'), 'ours', 'replaced: unchanged since read')

  const ours = await fileStamp(path)
  await writeFile(path, 'operator edit')
  const err = await rejection(writeFileAtomic(path, 'flush', { unchangedSince: ours }))
  t.ok(err instanceof FileChangedError && isDnsplaneError(err, 'ERR_RECORDS_WRITE'), 'refused with FileChangedError')
  t.equal(await readFile(path, 'utf8'), 'operator edit', 'the edit is kept')
  t.same((await readdir(dir)).sort(), ['f.json'], 'no temp file left')

  await unlink(path)
  await writeFileAtomic(path, 'back', { unchangedSince: ours })
  t.equal(await readFile(path, 'utf8'), 'back', 'a vanished file is written back')
  t.equal(await fileStamp(join(dir, 'none')), undefined, 'no file: no stamp')
  t.notOk(sameStamp(ours, undefined))
})
