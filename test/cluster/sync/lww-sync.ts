/**
 * chunkEntries, and runAntiEntropy against answerDigest between two ReplicaStates over the
 * in-memory transport and FrameChannel (a stand-in replica: merge, no store).
 */
import fc from 'fast-check'
import t from 'tap'
import { FrameChannel } from '../../../src/cluster/transport/channel.js'
import { MAX_FRAME_BYTES } from '../../../src/cluster/wire/codec.js'
import type { LwwReplica } from '../../../src/cluster/sync/replica-store/lww-replica.js'
import { answerDigest, CHUNK_MAX_ENTRIES, chunkEntries, runAntiEntropy, type ExchangeContext } from '../../../src/cluster/sync/lww-sync.js'
import { MemoryTransport } from '../../../src/cluster/transport/memory-transport.js'
import { encodeEntry, parseMessage, type Message } from '../../../src/cluster/wire/messages.js'
import { entryKey, ReplicaState, type VersionedEntry } from '../../../src/cluster/sync/lww/replica.js'
import { DnsplaneError } from '../../../src/errors.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'
import { rejection } from '../../helpers/fs.js'

const TIMEOUT_MS = 5000

function rec(i: number, value = '10.0.0.1'): DnsRecord {
  return { id: `r${i}`, name: `h${i}.example`, type: 'A', value, ttl: 300, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME }
}

function live(i: number, wall: number, node = 'n1', value?: string): VersionedEntry {
  const r = rec(i, value)
  return { key: entryKey(r), version: { wall, counter: 0, node }, record: r }
}

function tomb(i: number, wall: number, node = 'n1'): VersionedEntry {
  return { key: `id:r${i}`, version: { wall, counter: 0, node } }
}

const bytesOf = (chunk: readonly VersionedEntry[]) => chunk.reduce((n, e) => n + encodeEntry(e).length, 0)

t.test('chunkEntries', async (t) => {
  const entries = Array.from({ length: 7 }, (_, i) => live(i, 100 + i))

  t.test('returns no chunks for no entries', async (t) => {
    t.same(chunkEntries([]), [])
  })

  t.test('keeps everything in one chunk under the default limits', async (t) => {
    t.same(chunkEntries(entries), [entries])
    t.ok(CHUNK_MAX_ENTRIES >= 1000)
  })

  t.test('splits by count', async (t) => {
    t.same(
      chunkEntries(entries, 3).map((c) => c.length),
      [3, 3, 1],
    )
    t.same(
      chunkEntries(entries, 1).map((c) => c.length),
      [1, 1, 1, 1, 1, 1, 1],
    )
  })

  t.test('splits by encoded bytes, and an entry larger than the limit travels alone', async (t) => {
    const size = encodeEntry(entries[0]).length
    const chunks = chunkEntries(entries, 100, size * 2 + 1)
    t.same(
      chunks.map((c) => c.length),
      [2, 2, 2, 1],
    )
    for (const c of chunks) t.ok(bytesOf(c) <= size * 2 + 1)
    t.same(
      chunkEntries(entries.slice(0, 3), 100, 10).map((c) => c.length),
      [1, 1, 1],
    )
  })

  t.test('any entries and limits: order kept, bounds held, chunks as full as they can be', async (t) => {
    const entry = fc
      .record({ i: fc.nat(50), wall: fc.nat(1e6), dead: fc.boolean(), value: fc.string({ maxLength: 40 }) })
      .map(({ i, wall, dead, value }) => (dead ? tomb(i, wall) : live(i, wall, 'n1', value)))
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 40 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 2000 }), (es, maxEntries, maxBytes) => {
        const chunks = chunkEntries(es, maxEntries, maxBytes)
        if (JSON.stringify(chunks.flat()) !== JSON.stringify(es)) return false
        for (const [i, c] of chunks.entries()) {
          if (c.length === 0 || c.length > maxEntries) return false
          if (c.length > 1 && bytesOf(c) > maxBytes) return false
          const next = chunks[i + 1]
          // Greedy: the next chunk's first entry did not fit into this one.
          if (next && c.length < maxEntries && bytesOf(c) + encodeEntry(next[0]).length <= maxBytes) return false
        }
        return true
      }),
      { seed: 7, numRuns: 200 },
    )
    t.pass()
  })
})

/** Stand-in for LwwReplica: runAntiEntropy and answerDigest use only `state` and `applyRemote`. */
function standIn(state: ReplicaState): LwwReplica {
  return { state, applyRemote: async (e: readonly VersionedEntry[]) => state.merge(e) } as unknown as LwwReplica
}

interface Link {
  initiator: ExchangeContext
  responder: ExchangeContext
  /** Frames the responder received, parsed. */
  responderSaw: Message[]
  initiatorSaw: Message[]
}

async function link(t: { teardown(fn: () => unknown): void }): Promise<Link> {
  const transport = new MemoryTransport()
  let server: FrameChannel | undefined
  const listener = await transport.listen(':0', (conn) => {
    server = new FrameChannel(conn, MAX_FRAME_BYTES)
  })
  const client = new FrameChannel(await transport.dial(listener.address, { timeoutMs: TIMEOUT_MS }), MAX_FRAME_BYTES)
  if (!server) throw new Error('no server connection')
  const serverCh = server
  t.teardown(async () => {
    client.destroy()
    serverCh.destroy()
    await listener.close()
  })
  const responderSaw: Message[] = []
  const initiatorSaw: Message[] = []
  let batch = 0
  const cx = (ch: FrameChannel, nodeId: string, saw: Message[]): ExchangeContext => ({
    ch,
    nodeId,
    timeoutMs: TIMEOUT_MS,
    parse: (frame) => {
      const p = parseMessage(frame)
      if (p.ok) saw.push(p.message)
      return p
    },
    nextBatch: () => ++batch,
  })
  return { initiator: cx(client, 'a', initiatorSaw), responder: cx(serverCh, 'b', responderSaw), responderSaw, initiatorSaw }
}

/** The responder's side of one exchange: answer the digest, then ack and merge deltas until the initiator closes. */
async function respond(cx: ExchangeContext, replica: LwwReplica): Promise<void> {
  const first = cx.parse(await cx.ch.next(TIMEOUT_MS))
  if (!first.ok || first.message.type !== 'digest') throw new Error('expected a digest')
  await answerDigest(cx.ch, cx.nodeId, replica, first.message)
  for (;;) {
    let frame: Buffer
    try {
      frame = await cx.ch.next(TIMEOUT_MS)
    } catch {
      return // the initiator closed: the exchange is over
    }
    const p = cx.parse(frame)
    if (!p.ok || p.message.type !== 'delta') throw new Error('expected a delta')
    const won = await replica.applyRemote(p.message.entries)
    await cx.ch.send({ type: 'delta_ack', batch: p.message.batch, applied: won.length })
  }
}

async function exchange(t: { teardown(fn: () => unknown): void }, a: ReplicaState, b: ReplicaState) {
  const l = await link(t)
  const responding = respond(l.responder, standIn(b))
  const result = await runAntiEntropy(l.initiator, standIn(a))
  l.initiator.ch.close()
  await responding
  return { result, ...l }
}

function dump(s: ReplicaState): string[] {
  return s
    .entries()
    .map((e) => encodeEntry(e))
    .sort()
}

t.test('anti-entropy between two replicas', async (t) => {
  t.test('leaves both with the higher version of every entry, both ways', async (t) => {
    const shared = Array.from({ length: 30 }, (_, i) => live(i, 100 + i))
    const a = new ReplicaState([...shared, live(100, 500, 'a'), tomb(3, 600, 'a'), live(7, 90, 'a', '10.9.9.9')])
    const b = new ReplicaState([...shared, live(200, 501, 'b'), live(3, 599, 'b', '10.3.3.3'), tomb(7, 700, 'b')])
    const { result, responderSaw, initiatorSaw } = await exchange(t, a, b)
    t.same(dump(a), dump(b))
    t.equal(a.get('id:r3')?.record, undefined, 'the later delete wins over the earlier update')
    t.equal(b.get('id:r7')?.record, undefined)
    t.ok(a.get('id:r100') && b.get('id:r200') && a.get('id:r200') && b.get('id:r100'))
    t.ok(result.buckets_differ >= 1 && result.buckets_differ <= 4)
    t.ok(result.received < shared.length, 'only the differing buckets travel')
    t.equal(result.won, 2, 'a takes r200 and r7 from b')
    t.ok(result.sent >= 2, 'a sends r100 and r3')
    t.equal(responderSaw[0].type, 'digest')
    t.ok(responderSaw.slice(1).every((m) => m.type === 'delta'))
    t.ok(initiatorSaw.some((m) => m.type === 'bucket_entries'))
  })

  t.test('does not send back entries the responder just sent', async (t) => {
    const a = new ReplicaState()
    const b = new ReplicaState([live(1, 10), live(2, 11), tomb(3, 12)])
    const { result, responderSaw } = await exchange(t, a, b)
    t.same(dump(a), dump(b))
    t.equal(result.received, 3)
    t.equal(result.won, 3)
    t.equal(result.sent, 0)
    t.same(
      responderSaw.map((m) => m.type),
      ['digest'],
    )
  })

  t.test('equal replicas exchange one digest and one empty answer', async (t) => {
    const entries = [live(1, 10), tomb(2, 11)]
    const a = new ReplicaState(entries)
    const b = new ReplicaState([...entries].reverse())
    const { result, initiatorSaw } = await exchange(t, a, b)
    t.same(result, { buckets_differ: 0, received: 0, won: 0, sent: 0 })
    t.same(initiatorSaw, [{ type: 'bucket_entries', node_id: 'b', buckets: [], entries: [], more: false }])
  })

  t.test('an answer larger than one chunk arrives in several bucket_entries frames', async (t) => {
    const many = Array.from({ length: CHUNK_MAX_ENTRIES + 50 }, (_, i) => tomb(i, 1000 + (i % 7)))
    const a = new ReplicaState()
    const b = new ReplicaState(many)
    const { result, initiatorSaw } = await exchange(t, a, b)
    t.equal(a.size, many.length)
    t.same(a.digest(), b.digest())
    t.equal(result.received, many.length)
    const parts = initiatorSaw.filter((m): m is Extract<Message, { type: 'bucket_entries' }> => m.type === 'bucket_entries')
    t.same(
      parts.map((p) => p.more),
      [true, false],
    )
    t.equal(parts[1].buckets.length, 0, 'bucket list only in the first frame')
  })

  t.test('random replicas converge after one exchange', async (t) => {
    const entry = fc
      .record({ i: fc.nat(40), wall: fc.integer({ min: 1, max: 50 }), node: fc.constantFrom('a', 'b', 'c'), dead: fc.boolean() })
      .map(({ i, wall, node, dead }) => (dead ? tomb(i, wall, node) : live(i, wall, node, `10.0.${wall}.1`)))
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 40 }), fc.array(entry, { maxLength: 40 }), async (ea, eb) => {
        const a = new ReplicaState()
        a.merge(ea)
        const b = new ReplicaState()
        b.merge(eb)
        const union = new ReplicaState()
        union.merge([...ea, ...eb])
        await exchange(t, a, b)
        return JSON.stringify(dump(a)) === JSON.stringify(dump(union)) && JSON.stringify(dump(b)) === JSON.stringify(dump(union))
      }),
      { seed: 11, numRuns: 40 },
    )
    t.pass()
  })
})

t.test('runAntiEntropy fails cleanly on a bad peer', async (t) => {
  const cases: [string, (cx: ExchangeContext) => Promise<void>, string, RegExp][] = [
    ['an error frame', (cx) => cx.ch.send({ type: 'error', message: 'busy' }), 'ERR_PEER_UNREACHABLE', /peer refused: busy/],
    ['an unexpected message type', (cx) => cx.ch.send({ type: 'pong' }), 'ERR_MESSAGE_INVALID', /expected bucket_entries, got pong/],
    ['a closed stream', async (cx) => cx.ch.close(), 'ERR_PEER_UNREACHABLE', /connection closed/],
  ]
  for (const [name, misbehave, code, message] of cases) {
    const l = await link(t)
    const peer = (async () => {
      await l.responder.ch.next(TIMEOUT_MS)
      await misbehave(l.responder)
    })()
    const err = await rejection(runAntiEntropy(l.initiator, standIn(new ReplicaState([live(1, 1)]))))
    await peer
    t.type(err, DnsplaneError, name)
    t.equal((err as DnsplaneError).code, code, name)
    t.match((err as Error).message, message, name)
  }

  t.test('a delta_ack for another batch is refused', async (t) => {
    const l = await link(t)
    const peer = (async () => {
      const d = l.responder.parse(await l.responder.ch.next(TIMEOUT_MS))
      if (!d.ok || d.message.type !== 'digest') throw new Error('expected a digest')
      await answerDigest(l.responder.ch, 'b', standIn(new ReplicaState()), d.message)
      await l.responder.ch.next(TIMEOUT_MS)
      await l.responder.ch.send({ type: 'delta_ack', batch: 999_999, applied: 0 })
    })()
    const err = await rejection(runAntiEntropy(l.initiator, standIn(new ReplicaState([live(1, 1)]))))
    await peer
    t.equal((err as DnsplaneError).code, 'ERR_MESSAGE_INVALID')
    t.match((err as Error).message, /delta_ack for batch 999999/)
  })
})

t.test('both sides of anti-entropy wait for the replica\'s pending bucket hashes before their digest', async (t) => {
  const l = await link(t)
  const a = new ReplicaState([live(1, 10)])
  const b = new ReplicaState([live(2, 20)])
  const waited: string[] = []
  const waiting = (name: string, state: ReplicaState): LwwReplica =>
    ({ ...standIn(state), state, hashed: async () => void waited.push(name) }) as unknown as LwwReplica
  const responding = respond(l.responder, waiting('responder', b))
  await runAntiEntropy(l.initiator, waiting('initiator', a))
  l.initiator.ch.close()
  await responding
  t.same(waited.sort(), ['initiator', 'responder'])
  t.same(dump(a), dump(b), 'and the exchange completes')
})
