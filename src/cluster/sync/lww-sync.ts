/**
 * record_lww exchanges over one authenticated FrameChannel: deltas with acknowledgements, and
 * anti-entropy (digest -> the responder's entries of differing buckets -> the initiator's
 * entries of those buckets as deltas). Both sides end with the higher version of every entry
 * in those buckets. Entries travel in chunks bounded by count and bytes, far below the frame limit.
 */
import { DnsplaneError } from '../../errors.js'
import type { FrameChannel } from '../transport/channel.js'
import { encodeEntry, type BucketEntriesMessage, type DigestMessage, type Message, type ParseResult, type RecordRejection } from '../wire/messages.js'
import { DEFAULT_DIGEST_BUCKETS, type ReplicaState, type VersionedEntry } from './lww/replica.js'

/** Entries per frame at most, and bytes of encoded entries per frame at most. */
export const CHUNK_MAX_ENTRIES = 20_000
export const CHUNK_MAX_BYTES = 8 * 1024 * 1024
/** Most entries accepted in one anti-entropy reply (all frames): records limit plus tombstones. */
export const MAX_EXCHANGE_ENTRIES = 4_000_000

/** What an exchange needs of the replica: its versions, and merging a peer's entries (newer wins). */
export interface ExchangeReplica {
  readonly state: ReplicaState
  /** Resolves once the state's bucket hashes are all computed (in slices); absent when none are ever left for later. */
  hashed?(): Promise<void>
  /** Merges entries and persists them; resolves with those that won. */
  applyRemote(entries: readonly VersionedEntry[]): Promise<VersionedEntry[]>
}

export interface LwwSyncResult {
  buckets_differ: number
  received: number
  won: number
  sent: number
}

/** Splits entries into chunks of at most CHUNK_MAX_ENTRIES entries and about CHUNK_MAX_BYTES bytes. */
export function chunkEntries(entries: readonly VersionedEntry[], maxEntries = CHUNK_MAX_ENTRIES, maxBytes = CHUNK_MAX_BYTES): VersionedEntry[][] {
  const out: VersionedEntry[][] = []
  let cur: VersionedEntry[] = []
  let bytes = 0
  for (const e of entries) {
    const size = encodeEntry(e).length
    if (cur.length > 0 && (cur.length >= maxEntries || bytes + size > maxBytes)) {
      out.push(cur)
      cur = []
      bytes = 0
    }
    cur.push(e)
    bytes += size
  }
  if (cur.length > 0) out.push(cur)
  return out
}

export interface ExchangeContext {
  ch: FrameChannel
  nodeId: string
  timeoutMs: number
  /** Parses an inbound frame (and counts it). */
  parse(frame: Buffer): ParseResult
  /** Next batch number (unique per sender process). */
  nextBatch(): number
  /**
   * Receiver-side checks on a peer's entries beyond the codec (versions too far ahead): returns
   * the entries to apply and reports every refused one (`rejected` holds those the codec refused).
   */
  screen?(entries: VersionedEntry[], rejected: RecordRejection[]): VersionedEntry[]
}

/** Sends `entries` as delta frames, each awaiting its delta_ack. Rejects on an error frame, a timeout or a broken stream. */
export async function sendDeltas(cx: ExchangeContext, entries: readonly VersionedEntry[]): Promise<number> {
  let sent = 0
  for (const chunk of chunkEntries(entries)) {
    const batch = cx.nextBatch()
    await cx.ch.send({ type: 'delta', node_id: cx.nodeId, batch, entries: chunk })
    const reply = await expect(cx, 'delta_ack')
    if (reply.batch !== batch) throw new DnsplaneError('ERR_MESSAGE_INVALID', `delta_ack for batch ${reply.batch}, expected ${batch}`)
    sent += chunk.length
  }
  return sent
}

/**
 * Initiator side of anti-entropy: sends our digest, merges the peer's entries of the buckets
 * that differ, then sends ours of those buckets as deltas (unless `send` is false).
 */
export async function runAntiEntropy(cx: ExchangeContext, replica: ExchangeReplica, opts: { send?: boolean } = {}): Promise<LwwSyncResult> {
  await replica.hashed?.()
  const digest: DigestMessage = {
    type: 'digest',
    node_id: cx.nodeId,
    buckets: replica.state.digest(DEFAULT_DIGEST_BUCKETS),
    entries: replica.state.size,
  }
  await cx.ch.send(digest)
  let buckets: number[] | undefined
  let received: VersionedEntry[] = []
  const rejected: RecordRejection[] = []
  for (;;) {
    const part = await expect(cx, 'bucket_entries')
    buckets ??= part.buckets
    for (const e of part.entries) received.push(e)
    if (part.rejected) for (const r of part.rejected) rejected.push(r)
    if (received.length > MAX_EXCHANGE_ENTRIES) {
      throw new DnsplaneError('ERR_MESSAGE_INVALID', `anti-entropy reply exceeds ${MAX_EXCHANGE_ENTRIES} entries`)
    }
    if (!part.more) break
  }
  const differ = (buckets ?? []).filter((b) => b < DEFAULT_DIGEST_BUCKETS)
  // Refused entries are never stored; the responder is not told (it sends no more frames).
  if (cx.screen) received = cx.screen(received, rejected)
  const won = received.length > 0 ? await replica.applyRemote(received) : []
  // A replica-only node takes what it is missing but never pushes its own entries.
  const ours = differ.length > 0 && opts.send !== false ? replica.state.entriesInBuckets(differ, DEFAULT_DIGEST_BUCKETS) : []
  // Entries the peer just sent are already equal on both sides: only send what differs.
  const theirs = new Map(received.map((e) => [e.key, e.version] as const))
  const toSend = ours.filter((e) => {
    const v = theirs.get(e.key)
    return !v || v.wall !== e.version.wall || v.counter !== e.version.counter || v.node !== e.version.node
  })
  const sent = toSend.length > 0 ? await sendDeltas(cx, toSend) : 0
  return { buckets_differ: differ.length, received: received.length, won: won.length, sent }
}

/** Responder side: the buckets that differ from `msg` and our entries in them, in chunks. */
export async function answerDigest(ch: FrameChannel, nodeId: string, replica: ExchangeReplica, msg: DigestMessage): Promise<number> {
  await replica.hashed?.()
  const differ = replica.state.differingBuckets(msg.buckets)
  const entries = differ.length > 0 ? replica.state.entriesInBuckets(differ, msg.buckets.length) : []
  const chunks = chunkEntries(entries)
  if (chunks.length === 0) chunks.push([])
  for (let i = 0; i < chunks.length; i++) {
    const part: BucketEntriesMessage = {
      type: 'bucket_entries',
      node_id: nodeId,
      buckets: i === 0 ? differ : [],
      entries: chunks[i],
      more: i < chunks.length - 1,
    }
    await ch.send(part)
  }
  return entries.length
}

async function expect<T extends 'delta_ack' | 'bucket_entries'>(cx: ExchangeContext, type: T): Promise<Extract<Message, { type: T }>> {
  const parsed = cx.parse(await cx.ch.next(cx.timeoutMs))
  if (!parsed.ok) throw new DnsplaneError('ERR_MESSAGE_INVALID', parsed.error)
  if (parsed.message.type === 'error') {
    throw new DnsplaneError('ERR_PEER_UNREACHABLE', `peer refused: ${(parsed.message as { message?: string }).message ?? 'error'}`)
  }
  if (parsed.message.type !== type) throw new DnsplaneError('ERR_MESSAGE_INVALID', `expected ${type}, got ${parsed.message.type}`)
  return parsed.message as Extract<Message, { type: T }>
}
