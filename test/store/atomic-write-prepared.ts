import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { isDnsplaneError } from '../../src/errors.js'
import { FileChangedError, fileStamp, prepareFileAtomic } from '../../src/store/atomic-write.js'
import { sha256 } from '../../src/store/store-helpers.js'
import { rejection, tempDir } from '../helpers/fs.js'

t.test('writes the slices to a temp file, hashes them, renames only on commit, keeps the mode', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'f.json')
  await writeFile(path, 'old')
  await chmod(path, 0o640)
  const file = await prepareFileAtomic(path, ['{"a":', '"\u00e9"', '}\n'])
  t.equal(file.sha256, sha256('{"a":"\u00e9"}\n'), 'the hash of the UTF-8 bytes')
  t.equal(await readFile(path, 'utf8'), 'old', 'not renamed yet')
  await file.commit()
  t.equal(await readFile(path, 'utf8'), '{"a":"\u00e9"}\n')
  t.equal((await stat(path)).mode & 0o777, 0o640)
  t.same((await readdir(dir)).sort(), ['f.json'], 'no temp file left')
  const created = await prepareFileAtomic(join(dir, 'new.json'), ['x'])
  await created.commit()
  t.equal(await readFile(join(dir, 'new.json'), 'utf8'), 'x', 'a missing target is created')
})

t.test('abort removes the temp file; a read-only target is refused; a failing slice leaves nothing', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'f.json')
  await writeFile(path, 'old')
  const file = await prepareFileAtomic(path, ['new'])
  await file.abort()
  t.same(await readdir(dir), ['f.json'])
  t.equal(await readFile(path, 'utf8'), 'old')
  function* failing(): Generator<string> {
    yield 'part'
    throw new Error('serialiser failed')
  }
  t.ok(isDnsplaneError(await rejection(prepareFileAtomic(path, failing())), 'ERR_RECORDS_WRITE'))
  t.same(await readdir(dir), ['f.json'], 'the temp file is removed')
  await chmod(path, 0o444)
  t.ok(isDnsplaneError(await rejection(prepareFileAtomic(path, ['x'])), 'ERR_READ_ONLY_SOURCE'))
  t.ok(isDnsplaneError(await rejection(prepareFileAtomic(join(dir, 'missing', 'f.json'), ['x'])), 'ERR_RECORDS_WRITE'), 'no directory')
})

t.test('unchangedSince: a file changed after that stamp is not replaced; a failed rename is ERR_RECORDS_WRITE', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'f.json')
  await writeFile(path, 'read')
  const seen = await fileStamp(path)
  let stamped: unknown
  const ok = await prepareFileAtomic(path, ['ours'], { unchangedSince: seen, onWritten: (s) => (stamped = s) })
  await ok.commit()
  const ours = await fileStamp(path)
  t.same(stamped, ours, 'onWritten: the stamp of the file now in place')
  const file = await prepareFileAtomic(path, ['flush'], { unchangedSince: ours })
  await writeFile(path, 'hand edit, longer')
  t.ok((await rejection(file.commit())) instanceof FileChangedError)
  t.equal(await readFile(path, 'utf8'), 'hand edit, longer')
  t.same(await readdir(dir), ['f.json'], 'the temp file is removed')
  const lost = await prepareFileAtomic(path, ['x'])
  const { rm, mkdir } = await import('node:fs/promises')
  await rm(path)
  await mkdir(path)
  await writeFile(join(path, 'inside'), '') // a non-empty directory: the rename fails
  t.ok(isDnsplaneError(await rejection(lost.commit()), 'ERR_RECORDS_WRITE'))
})
