/** Background flushes of a large records file are paced by the last flush's duration (journal/flush-pacing.ts). */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import pino from 'pino'
import t from 'tap'
import { writeFileAtomic } from '../../src/store/atomic-write.js'
import { FileRecordStore } from '../../src/store/file-store.js'
import { PACE_FACTOR, PACE_MAX_MS, pacedFlushDelay } from '../../src/store/journal/flush-pacing.js'
import type { SnapshotHook } from '../../src/store/journal/records-journal.js'
import { tempDir } from '../helpers/fs.js'

t.test('pacedFlushDelay: the configured delay until a flush took longer than it, then the rest of the pace, capped', async (t) => {
  t.equal(pacedFlushDelay(1000, undefined, 5), 1000, 'no flush yet')
  t.equal(pacedFlushDelay(1000, { tookMs: 100, endedAt: 0 }, 0), 1000, 'a fast flush: the configured delay')
  t.equal(pacedFlushDelay(1000, { tookMs: 5000, endedAt: 0 }, 0), 5000 * PACE_FACTOR, 'a slow flush: its duration times the factor')
  t.equal(pacedFlushDelay(1000, { tookMs: 5000, endedAt: 0 }, 12_000), 5000 * PACE_FACTOR - 12_000, 'counted from when it ended')
  t.equal(pacedFlushDelay(1000, { tookMs: 5000, endedAt: 0 }, 60_000), 1000, 'long ago: the configured delay')
  t.equal(pacedFlushDelay(1000, { tookMs: 3_600_000, endedAt: 0 }, 0), PACE_MAX_MS, 'never longer than the cap')
  t.equal(pacedFlushDelay(50_000, { tookMs: 3_600_000, endedAt: 0 }, 0), 50_000, 'a configured delay above the cap wins')
  t.equal(pacedFlushDelay(0, { tookMs: 0.4, endedAt: 0 }, 0), 2, 'whole milliseconds, rounded up')
})

t.test('a store schedules the flush after a slow one by its duration, including changes made while it wrote', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  await writeFile(path, '{"records":[]}')
  let clock = 0
  let store: FileRecordStore | undefined
  let during = false
  // The snapshot write takes 5 s on the test's clock, and a write lands while it runs.
  const writeSnapshot: SnapshotHook = async (p, text) => {
    clock += 5_000
    if (during && store) {
      during = false
      await store.add({ name: 'during.example', type: 'A', value: '192.0.2.2', ttl: 60 })
    }
    await writeFileAtomic(p, text)
  }
  store = await FileRecordStore.open({
    path, prettyJson: false, log: pino({ level: 'silent' }), watch: false, flushDelayMs: 200, writeSnapshot,
    flushClockMs: () => clock,
  })
  t.teardown(() => store?.stop({ flush: false }))
  t.equal(store.pendingFlushDelayMs, undefined, 'nothing pending')
  t.same(store.flushState(), { journaled: true, unflushed: false, next_flush_delay_ms: null, last_flush_ms: null })
  await store.add({ name: 'first.example', type: 'A', value: '192.0.2.1', ttl: 60 })
  t.equal(store.pendingFlushDelayMs, 200, 'first change: the configured delay')
  during = true
  await store.flush()
  t.equal(store.pendingFlushDelayMs, 5_000 * PACE_FACTOR, 'the change made during the 5 s flush waits for the pace')
  t.same(store.flushState(), { journaled: true, unflushed: true, next_flush_delay_ms: 5_000 * PACE_FACTOR, last_flush_ms: 5_000 }, 'status shows it')
  store.add({ name: 'more.example', type: 'A', value: '192.0.2.3', ttl: 60 })
  t.equal(store.pendingFlushDelayMs, 5_000 * PACE_FACTOR, 'one timer for every pending change')
  clock += 20_000
  await store.flush() // requested flushes are never paced: this one writes at once, taking 5 s again
  await store.add({ name: 'after.example', type: 'A', value: '192.0.2.4', ttl: 60 })
  t.equal(store.pendingFlushDelayMs, 5_000 * PACE_FACTOR, 'paced from the end of the last flush')
  clock += 15_000
  await store.stop({ flush: false })
  t.equal(store.pendingFlushDelayMs, undefined, 'stop cancels the pending flush')
})
