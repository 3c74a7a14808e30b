import t from 'tap'
import type { Logger } from 'pino'
import { DnsplaneError } from '../../../src/errors.js'
import type { RecordsFullMessage } from '../../../src/cluster/wire/messages.js'
import { Outbox, type OutboxDeps, type PendingPush, type PushFailedEvent } from '../../../src/cluster/peers/outbox.js'
import type { VersionedEntry } from '../../../src/cluster/sync/lww/replica.js'
import { MAX_PENDING_ENTRIES } from '../../../src/cluster/settings.js'

const PEER = '10.0.0.2:7946'

function snapshot(seq: number): RecordsFullMessage {
  return { type: 'records_full', node_id: 'n1', seq, timestamp_unix: 1_700_000_000, records: null }
}

function entry(key: string, wall: number): VersionedEntry {
  return { key, version: { wall, counter: 0, node: 'n1' } }
}

/** A copy of what deliver saw, taken when it was called. */
interface Seen {
  seq?: number
  entries: Array<[string, number]>
  antiEntropy: boolean
}

/** An outbox with fake timers, log and events; `deliver` defaults to succeeding and acknowledging everything. */
const clock = { now: 1000 }

function harness(deliver?: (peer: string, p: PendingPush) => Promise<void>) {
  const timers = new Map<number, { fn: () => void; ms: number }>()
  let nextHandle = 1
  const tasks: Promise<unknown>[] = []
  const events: PushFailedEvent[] = []
  const warns: Array<[object, string]> = []
  const errors: Array<[object, string]> = []
  const seen: Seen[] = []
  const tooLarge: string[] = []
  let running = true
  const log = {
    warn: (o: object, m: string) => warns.push([o, m]),
    error: (o: object, m: string) => errors.push([o, m]),
  } as unknown as Logger
  const deps: OutboxDeps = {
    deliver: async (peer, p) => {
      seen.push({ seq: p.snapshot?.seq, entries: [...p.entries.values()].map((e) => [e.key, e.version.wall]), antiEntropy: p.antiEntropy })
      if (deliver) return deliver(peer, p)
      p.snapshot = undefined
      p.entries.clear()
      p.antiEntropy = false
    },
    isRunning: () => running,
    onSnapshotTooLarge: (peer) => tooLarge.push(peer),
    emit: (e) => events.push(e),
    track: (task) => tasks.push(task),
    log,
    random: (n) => Buffer.alloc(n), // jitter 0: delay = 50 % of the exponential step
    now: () => clock.now,
    retryMinMs: 1000,
    retryMaxMs: 60_000,
    timers: {
      set: (fn, ms) => {
        const h = nextHandle++
        timers.set(h, { fn, ms })
        return h
      },
      clear: (h) => {
        timers.delete(h as number)
      },
    },
  }
  const outbox = new Outbox(deps)
  /** Waits for every tracked task, including the ones they start (bounded). */
  async function settle(): Promise<void> {
    for (let i = 0; i < 100 && tasks.length > 0; i++) await tasks.shift()
  }
  /** Fires the one pending timer and waits for the retry it starts. */
  async function fireTimer(): Promise<void> {
    const [[h, timer]] = [...timers]
    timers.delete(h)
    timer.fn()
    await settle()
  }
  return {
    outbox, timers, events, warns, errors, seen, tooLarge, settle, fireTimer,
    setRunning: (v: boolean) => (running = v),
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

t.test('a newer snapshot replaces an older one still queued', async (t) => {
  const h = harness()
  h.setRunning(false) // queue without delivering
  h.outbox.queueSnapshot(PEER, snapshot(1))
  h.outbox.queueSnapshot(PEER, snapshot(3))
  h.outbox.queueSnapshot(PEER, snapshot(2))
  await h.settle()
  t.same(h.seen, [])
  h.setRunning(true)
  h.outbox.flush(PEER)
  await h.settle()
  t.same(h.seen.map((s) => s.seq), [2], 'only the last queued snapshot is sent')
  t.notOk(h.outbox.has(PEER), 'the queue is dropped once everything is delivered')
})

t.test('queued entries keep the newest version per key', async (t) => {
  const h = harness()
  h.setRunning(false)
  h.outbox.queueEntries(PEER, [entry('a', 1), entry('b', 5)])
  h.outbox.queueEntries(PEER, [entry('a', 3)])
  h.outbox.queueEntries(PEER, [entry('a', 2), entry('b', 4)])
  t.equal(h.outbox.get(PEER)?.entries.size, 2)
  h.setRunning(true)
  h.outbox.flush(PEER)
  await h.settle()
  t.same(h.seen, [{ seq: undefined, entries: [['a', 3], ['b', 5]], antiEntropy: false }])
})

t.test('more than MAX_PENDING_ENTRIES queued entries switch the peer to anti-entropy', async (t) => {
  const h = harness()
  h.setRunning(false)
  const many = Array.from({ length: MAX_PENDING_ENTRIES }, (_, i) => entry(`k${i}`, 1))
  h.outbox.queueEntries(PEER, many)
  t.equal(h.outbox.get(PEER)?.entries.size, MAX_PENDING_ENTRIES, 'at the limit the entries are kept')
  t.equal(h.outbox.get(PEER)?.antiEntropy, false)
  t.same(h.warns, [])
  h.outbox.queueEntries(PEER, [entry('one-more', 1)])
  t.equal(h.outbox.get(PEER)?.entries.size, 0, 'one over the limit drops the entries')
  t.equal(h.outbox.get(PEER)?.antiEntropy, true, 'and asks for anti-entropy instead')
  t.same(h.warns, [[{ peer: PEER, limit: MAX_PENDING_ENTRIES }, 'cluster entry queue overflow; peer will be caught up by anti-entropy']])
  h.setRunning(true)
  h.outbox.flush(PEER)
  await h.settle()
  t.same(h.seen, [{ seq: undefined, entries: [], antiEntropy: true }])
})

t.test('a failed delivery schedules a retry with growing backoff and emits push_failed', async (t) => {
  const h = harness(async () => {
    throw new Error('connection refused')
  })
  h.outbox.queueSnapshot(PEER, snapshot(7))
  await h.settle()
  t.equal(h.seen.length, 1)
  t.same([...h.timers.values()].map((x) => x.ms), [500], 'first retry after 50 % of 1 s (jitter 0)')
  t.same(h.events, [{ kind: 'push_failed', peer: PEER, attempt: 1, retry_in_ms: 500 }])
  t.same(h.warns, [[{ peer: PEER, seq: 7, entries: 0, attempt: 1, retry_in_ms: 500, error: 'connection refused' }, 'cluster push failed']])
  await h.fireTimer()
  await h.fireTimer()
  t.equal(h.seen.length, 3, 'each timer retries once')
  t.same(h.events.map((e) => [e.attempt, e.retry_in_ms]), [[1, 500], [2, 1000], [3, 2000]])
  t.equal(h.timers.size, 1, 'exactly one retry is pending')
  h.outbox.queueSnapshot(PEER, snapshot(8))
  await h.settle()
  t.equal(h.seen.length, 4, 'a new change is tried at once')
  t.same(h.events.at(-1), { kind: 'push_failed', peer: PEER, attempt: 1, retry_in_ms: 500 }, 'and resets the backoff')
  t.equal(h.timers.size, 1, 'the old retry timer was cancelled')
})

t.test('a change queued during an in-flight delivery is sent right after it', async (t) => {
  const gate = deferred()
  let calls = 0
  const h = harness(async (_peer, p) => {
    const snap = p.snapshot
    if (++calls === 1) await gate.promise
    if (p.snapshot === snap) p.snapshot = undefined
  })
  h.outbox.queueSnapshot(PEER, snapshot(1))
  await Promise.resolve()
  h.outbox.queueSnapshot(PEER, snapshot(2))
  t.equal(h.seen.length, 1, 'no second delivery while one is in flight')
  gate.resolve()
  await h.settle()
  t.same(h.seen.map((s) => s.seq), [1, 2])
  t.equal(h.timers.size, 0, 'no backoff: sent at once')
  t.same(h.events, [])
  t.notOk(h.outbox.has(PEER))
})

t.test('an undelivered remainder without a new change is retried with backoff', async (t) => {
  // deliver returns without acknowledging the snapshot (e.g. the peer vanished after auth)
  const h = harness(async () => undefined)
  h.outbox.queueSnapshot(PEER, snapshot(4))
  await h.settle()
  t.same(h.events, [{ kind: 'push_failed', peer: PEER, attempt: 1, retry_in_ms: 500 }])
  t.equal(h.warns[0]?.[0] && (h.warns[0][0] as { error: string }).error, 'undelivered')
})

t.test('a snapshot over the frame limit is dropped, not retried, and the peer is marked', async (t) => {
  const h = harness(async () => {
    throw new DnsplaneError('ERR_FRAME_TOO_LARGE', 'frame of 70000000 bytes exceeds 67108864')
  })
  h.outbox.queueSnapshot(PEER, snapshot(9))
  await h.settle()
  t.same(h.tooLarge, [PEER])
  t.equal(h.timers.size, 0)
  t.same(h.events, [])
  t.equal(h.errors.length, 1)
  t.notOk(h.outbox.has(PEER))
})

t.test('stop cancels retry timers and a delivery in flight schedules nothing', async (t) => {
  const gate = deferred()
  let calls = 0
  const h = harness(async () => {
    if (++calls === 2) await gate.promise
    throw new Error('down')
  })
  h.outbox.queueSnapshot(PEER, snapshot(1))
  h.outbox.queueSnapshot('10.0.0.3:7946', snapshot(1))
  await new Promise((resolve) => setImmediate(resolve)) // the second delivery stays in flight, so no settle()
  t.equal(h.timers.size, 1, 'one peer waits for a retry, the other is in flight')
  h.outbox.stop()
  t.equal(h.timers.size, 0, 'the retry timer is cancelled')
  t.notOk(h.outbox.has(PEER))
  gate.resolve()
  await h.settle()
  t.equal(h.timers.size, 0, 'the in-flight delivery finished without scheduling a retry')
  t.equal(h.events.length, 1)
})

t.test('retain drops the queues and timers of removed peers', async (t) => {
  const h = harness(async () => {
    throw new Error('down')
  })
  h.outbox.queueSnapshot(PEER, snapshot(1))
  await h.settle()
  t.equal(h.timers.size, 1)
  h.outbox.retain(['10.0.0.9:7946'])
  t.equal(h.timers.size, 0)
  t.notOk(h.outbox.has(PEER))
})

t.test('since: the oldest undelivered change; after a delivery, the first change that came meanwhile', async (t) => {
  const gate = deferred()
  let calls = 0
  const since: Array<number | undefined> = []
  const h = harness(async (_peer, p) => {
    since.push(p.since)
    const snap = p.snapshot
    if (++calls === 1) await gate.promise
    if (calls === 3) throw new Error('peer down')
    if (p.snapshot === snap) p.snapshot = undefined
  })
  clock.now = 1000
  h.outbox.queueSnapshot(PEER, snapshot(1))
  await Promise.resolve()
  clock.now = 2000
  h.outbox.queueSnapshot(PEER, snapshot(2))
  clock.now = 3000
  h.outbox.queueSnapshot(PEER, snapshot(3))
  gate.resolve()
  await h.settle()
  t.same(since, [1000, 2000], 'the second delivery carries changes from 2000 on')
  t.notOk(h.outbox.has(PEER), 'all delivered: nothing pending, no age')
  clock.now = 5000
  h.outbox.queueSnapshot(PEER, snapshot(4))
  await h.settle()
  t.equal(h.outbox.get(PEER)?.since, 5000, 'a failed delivery keeps the age of what it carried')
  clock.now = 9000
  h.outbox.queueSnapshot(PEER, snapshot(5))
  t.equal(h.outbox.get(PEER)?.since, 5000, 'a newer change does not make the queue younger')
})
