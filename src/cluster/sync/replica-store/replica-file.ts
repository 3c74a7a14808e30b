/**
 * cluster_replica.json (ours, next to cluster_state.json): the record_lww replica (every entry
 * with its version, tombstones included), the node's clock, and hashes that tell at start-up
 * whether dnsrecords.json matches it. Written atomically with mode 0600; a file that fails to
 * parse stops the node (ERR_STATE_LOAD) and is never overwritten.
 */
import { open } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { DnsplaneError } from '../../../errors.js'
import { writeFileAtomic } from '../../../store/atomic-write.js'
import { MAX_HLC_COUNTER, MAX_HLC_WALL } from '../lww/hlc.js'
import { parseEntryList } from '../../wire/messages.js'
import type { VersionedEntry } from '../lww/replica.js'

export const REPLICA_FILE_NAME = 'cluster_replica.json'
/** Refuse larger files before reading them (twice the records file limit: records plus tombstones). */
export const MAX_REPLICA_FILE_BYTES = 512 * 1024 * 1024

export interface ReplicaFile {
  node_id: string
  clock: { wall: number; counter: number }
  /** recordSetHash of dnsrecords.json once the save that wrote this file has completed. */
  records_hash: string
  /** recordSetHash of dnsrecords.json before that save (differs only for a peer write being applied). */
  records_hash_before: string
  entries: VersionedEntry[]
  /** Set by parseReplicaFile when the stored clock was invalid and rebuilt (the reason, for the log). */
  clock_reset?: string
}

/** Path of cluster_replica.json for a loaded dnsplane.json path. */
export function replicaPathFor(configPath: string): string {
  return join(dirname(configPath), REPLICA_FILE_NAME)
}

/** One entry per line so the file diffs and greps well. */
export function serializeReplicaFile(f: ReplicaFile): string {
  const head =
    `{"format":1,"node_id":${JSON.stringify(f.node_id)},"clock":{"wall":${f.clock.wall},"counter":${f.clock.counter}}` +
    `,"records_hash":${JSON.stringify(f.records_hash)},"records_hash_before":${JSON.stringify(f.records_hash_before)},"entries":[`
  // Native JSON.stringify (3-4x faster than the Go-compatible wire encoder; this file is ours alone).
  return head + (f.entries.length ? '\n' + f.entries.map(fileEntry).join(',\n') + '\n' : '') + ']}\n'
}

function fileEntry(e: VersionedEntry): string {
  return JSON.stringify(e.record ? { key: e.key, version: e.version, record: e.record } : { key: e.key, version: e.version, deleted: true })
}

/** Validates the file's text; throws Error naming the first problem (a bad clock is rebuilt, see clock_reset). */
export function parseReplicaFile(text: string): ReplicaFile {
  const o = JSON.parse(text) as unknown
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error('not a JSON object')
  const r = o as Record<string, unknown>
  if (r.format !== 1) throw new Error(`format: unsupported ${JSON.stringify(r.format)} (expected 1)`)
  for (const k of ['node_id', 'records_hash', 'records_hash_before']) {
    if (typeof r[k] !== 'string') throw new Error(`${k}: must be a string`)
  }
  const entries = parseEntryList(r.entries)
  const out: ReplicaFile = {
    node_id: r.node_id as string,
    clock: { wall: 0, counter: 0 },
    records_hash: r.records_hash as string,
    records_hash_before: r.records_hash_before as string,
    entries,
  }
  const clock = r.clock as Record<string, unknown> | undefined
  const wall = clock?.wall
  const counter = clock?.counter
  const valid = (v: unknown, max: number): v is number => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= max
  // The clock only has to exceed every version in the file (so a later local write wins over
  // them); a clock outside the codec's range (an older node could store one) is rebuilt from
  // the entries instead of stopping the node (issue #10 item 3).
  const highest = highestVersion(entries)
  if (!valid(wall, MAX_HLC_WALL) || !valid(counter, MAX_HLC_COUNTER)) {
    out.clock = highest
    out.clock_reset = `clock ${JSON.stringify(clock ?? null).slice(0, 96)} is outside 0..${MAX_HLC_WALL} / 0..${MAX_HLC_COUNTER}; reset to the highest stored version ${highest.wall}.${highest.counter}`
  } else if (wall < highest.wall || (wall === highest.wall && counter < highest.counter)) {
    out.clock = highest
    out.clock_reset = `clock ${wall}.${counter} is behind the highest stored version; raised to ${highest.wall}.${highest.counter}`
  } else {
    out.clock = { wall, counter }
  }
  return out
}

function highestVersion(entries: readonly VersionedEntry[]): { wall: number; counter: number } {
  let best = { wall: 0, counter: 0 }
  for (const e of entries) {
    const v = e.version
    if (v.wall > best.wall || (v.wall === best.wall && v.counter > best.counter)) best = { wall: v.wall, counter: v.counter }
  }
  return best
}

/** Reads the file; undefined when it does not exist. Throws ERR_STATE_LOAD when unreadable, too big or invalid. */
export async function loadReplicaFile(path: string): Promise<ReplicaFile | undefined> {
  let fh
  try {
    fh = await open(path, 'r')
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new DnsplaneError('ERR_STATE_LOAD', `cannot read ${path}: ${(cause as Error).message}`, { cause })
  }
  try {
    let text: string
    try {
      const { size } = await fh.stat()
      if (size > MAX_REPLICA_FILE_BYTES) {
        throw new DnsplaneError('ERR_STATE_LOAD', `${path}: ${size} bytes exceed the limit of ${MAX_REPLICA_FILE_BYTES}`)
      }
      text = await fh.readFile('utf8')
    } catch (cause) {
      if (cause instanceof DnsplaneError) throw cause
      throw new DnsplaneError('ERR_STATE_LOAD', `cannot read ${path}: ${(cause as Error).message}`, { cause })
    }
    try {
      return parseReplicaFile(text)
    } catch (cause) {
      throw new DnsplaneError('ERR_STATE_LOAD', `${path}: ${(cause as Error).message}; fix it, or remove it to rebuild it from dnsrecords.json (records then get the lowest version, so every peer's write wins over them)`, {
        cause,
      })
    }
  } finally {
    await fh.close()
  }
}

/** Atomic replace, mode 0600; throws ERR_STATE_WRITE. */
export async function saveReplicaFile(path: string, f: ReplicaFile): Promise<void> {
  try {
    await writeFileAtomic(path, serializeReplicaFile(f), { mode: 0o600 })
  } catch (cause) {
    throw new DnsplaneError('ERR_STATE_WRITE', `cannot write ${path}: ${(cause as Error).message}`, { cause })
  }
}
