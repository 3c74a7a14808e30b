/**
 * StoreJournal's records file check before a journaled write: writes arriving together share one
 * check (not one stat and access per write), and a caller never takes a check that started before it asked.
 */
import { chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import pino from 'pino'
import t from 'tap'
import { isDnsplaneError } from '../../../src/errors.js'
import { checkReplaceable } from '../../../src/store/atomic-write.js'
import { FileRecordStore } from '../../../src/store/file-store.js'
import { StoreJournal } from '../../../src/store/journal/store-journal.js'
import { rejection, tempDir } from '../../helpers/fs.js'

const log = pino({ level: 'silent' })

/** A journaled store over an empty file whose records file checks are counted. */
async function countingStore(t: Parameters<typeof tempDir>[0]) {
  const dir = await tempDir(t)
  const counted = { checks: 0 }
  const checkFile = (p: string) => {
    counted.checks++
    return checkReplaceable(p)
  }
  const store = await FileRecordStore.open({ path: join(dir, 'dnsrecords.json'), prettyJson: false, log, watch: false, flushDelayMs: 600_000, seedRecords: [], checkFile })
  t.teardown(() => store.stop({ flush: false }))
  return { store, counted }
}

t.test('concurrent writes through the store share the records file check', async (t) => {
  const { store, counted } = await countingStore(t)
  await Promise.all(Array.from({ length: 40 }, (_, i) => store.add({ name: `c${i}.example`, type: 'A', value: `192.0.2.${i + 1}`, ttl: 60 })))
  t.equal(store.list().length, 40)
  t.ok(counted.checks <= 2, `40 writes arriving together: ${counted.checks} checks`)
  await store.add({ name: 'later.example', type: 'A', value: '192.0.2.99', ttl: 60 })
  t.equal(counted.checks, 3, 'a write arriving alone gets its own check')
})

t.test('peer deltas arriving together share the records file check too', async (t) => {
  const { store, counted } = await countingStore(t)
  const rec = (i: number) => ({ id: `peer-${i}`, name: `p${i}.example`, type: 'A', value: `192.0.2.${i + 1}`, ttl: 60, added_on: '2026-01-01T00:00:00Z', updated_on: '2026-01-01T00:00:00Z', last_query: '0001-01-01T00:00:00Z' })
  const applied = await Promise.all(Array.from({ length: 20 }, (_, i) => store.applyDelta(() => ({ removed: [], added: [rec(i)], replaced: [], lww: [] }), 'replica')))
  t.ok(applied.every(Boolean))
  t.equal(store.list().length, 20)
  t.ok(counted.checks <= 2, `20 deltas arriving together: ${counted.checks} checks`)
})

t.test('a caller arriving while a check runs waits for the next one: a change made before it asked is seen', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  await writeFile(path, '{"records":[]}')
  const gates: (() => void)[] = []
  const started: string[] = []
  const journal = new StoreJournal({
    path, log, flushDelayMs: 1000, onFlushDue: () => undefined,
    // checks the file at once, answers when its gate opens
    checkFile: async (p) => {
      started.push('check')
      const result = await checkReplaceable(p).then((v) => ({ v }), (e: unknown) => ({ e }))
      await new Promise<void>((resolve) => gates.push(resolve))
      if ('e' in result) throw result.e
      return result.v
    },
  })
  const first = journal.isWriteThrough()
  while (gates.length === 0) await new Promise((r) => setImmediate(r))
  await chmod(path, 0o444) // done before the next callers ask
  const second = journal.isWriteThrough()
  const third = journal.isWriteThrough()
  t.equal(second, third, 'callers arriving meanwhile share one check')
  t.equal(started.length, 1, 'the next check waits for the one in flight')
  gates.shift()?.()
  t.equal(await first, false, 'the first check (started before the chmod) passes')
  while (gates.length === 0) await new Promise((r) => setImmediate(r))
  t.equal(started.length, 2)
  gates.shift()?.()
  t.ok(isDnsplaneError(await rejection(second), 'ERR_READ_ONLY_SOURCE'), 'the shared later check sees the chmod')
  t.ok(isDnsplaneError(await rejection(third), 'ERR_READ_ONLY_SOURCE'))
  await chmod(path, 0o644)
  const fourth = journal.isWriteThrough()
  while (gates.length === 0) await new Promise((r) => setImmediate(r))
  gates.shift()?.()
  t.equal(await fourth, false, 'after a refused check, the next caller starts a fresh one')
  t.equal(started.length, 3)
})
