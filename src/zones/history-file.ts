/**
 * The IXFR history of every zone on disk, so a restarted node still answers IXFR with the differences:
 * `zone_history/<zone>.ixfr` next to `dnsplane.json`, one checksummed line per difference
 * (history-codec.ts), appended as changes land and rewritten to what is kept in memory when it has
 * grown to about twice the budget (`ixfr_history_max_diffs` / `_bytes`). Writes run one at a time in order;
 * the lines of changes that land while a write runs are appended together, through a file kept open.
 */
import { createHash } from 'node:crypto'
import { mkdir, open, readFile, stat, unlink, type FileHandle } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { writeFileAtomic } from '../store/atomic-write.js'
import { decodeHistory, encodeDiffLine, type DecodedHistory } from './history-codec.js'
import type { ZoneDiff, ZoneTrackerOptions } from './zone-tracker.js'

export const HISTORY_DIR_NAME = 'zone_history'

/** History files kept open for appending (the zones written last); more zones reopen theirs when they change. */
export const MAX_OPEN_HISTORY_FILES = 16

/** The history directory for a loaded dnsplane.json path. */
export function historyDirFor(configPath: string): string {
  return join(dirname(configPath), HISTORY_DIR_NAME)
}

/** A file name for zone `apex`: readable, safe on every file system, and unique (a digest of the apex). */
export function historyFileName(apex: string): string {
  const readable = (apex === '' ? 'root' : apex).replace(/[^a-z0-9.-]/g, '_').slice(0, 100)
  return `${readable}-${createHash('sha256').update(apex).digest('hex').slice(0, 8)}.ixfr`
}

/** Bytes a file may have before it is not read at all (encoded lines are about twice the wire bytes). */
export function maxFileBytes(opts: ZoneTrackerOptions): number {
  return 6 * opts.maxBytes + 1024 * 1024
}

export interface ReadHistory extends DecodedHistory {
  /** Size of the file (0 when missing). */
  fileBytes: number
  lines: number
}

/** Reads the history of `apex`; a missing, unreadable or oversized file gives none (with `cut` saying why). */
export async function readHistory(dir: string, apex: string, opts: ZoneTrackerOptions): Promise<ReadHistory> {
  const path = join(dir, historyFileName(apex))
  let size: number
  try {
    size = (await stat(path)).size
  } catch {
    return { diffs: [], restarted: false, fileBytes: 0, lines: 0 }
  }
  if (size > maxFileBytes(opts)) return { diffs: [], restarted: false, cut: `file larger than ${maxFileBytes(opts)} bytes`, fileBytes: size, lines: 0 }
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    return { diffs: [], restarted: false, cut: `unreadable: ${(err as Error).message}`, fileBytes: size, lines: 0 }
  }
  const decoded = decodeHistory(apex, text)
  let lines = 0
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++
  return { ...decoded, fileBytes: size, lines }
}

interface FileState {
  lines: number
  bytes: number
}

export class HistoryFileWriter {
  private readonly files = new Map<string, FileState>()
  /** Per zone, the lines of the append queued and not started yet (later changes add theirs to it). */
  private readonly appending = new Map<string, string[]>()
  /** Files open for appending, by zone, the one written last at the end (no open and close per append). */
  private readonly handles = new Map<string, FileHandle>()
  private chain: Promise<void> = Promise.resolve()
  private dirMade = false

  constructor(
    private readonly dir: string,
    private readonly opts: ZoneTrackerOptions,
    private readonly onError: (err: unknown, apex: string) => void,
    /** Tests: appends text to a file (counting); default the zone's file kept open. */
    private readonly appendText?: (path: string, text: string) => Promise<void>,
  ) {}

  /** What is on disk for `apex` after start-up (to know when to compact). */
  loaded(apex: string, lines: number, bytes: number): void {
    this.files.set(apex, { lines, bytes })
  }

  /** The zone took one step: `history` is what memory keeps now, its last element the new difference. */
  append(apex: string, history: readonly ZoneDiff[]): void {
    const last = history[history.length - 1]
    const f = this.files.get(apex)
    if (!last || !f) return this.rewrite(apex, history)
    const line = encodeDiffLine(apex, last)
    const bytes = Buffer.byteLength(line)
    if (f.lines + 1 > 2 * this.opts.maxDiffs || f.bytes + bytes > 2 * this.opts.maxBytes + 64 * 1024) return this.rewrite(apex, history)
    f.lines++
    f.bytes += bytes
    // Lines that land while this zone's append waits its turn join it: one append per batch, not per change.
    const queued = this.appending.get(apex)
    if (queued) {
      queued.push(line)
      return
    }
    const lines = [line]
    this.appending.set(apex, lines)
    this.run(apex, async () => {
      if (this.appending.get(apex) === lines) this.appending.delete(apex)
      const path = join(this.dir, historyFileName(apex))
      await (this.appendText ? this.appendText(path, lines.join('')) : this.appendOpen(apex, path, lines.join('')))
    })
  }

  /** Replaces the file with `history` (none: removes it). */
  rewrite(apex: string, history: readonly ZoneDiff[]): void {
    const text = history.map((d) => encodeDiffLine(apex, d)).join('')
    this.files.set(apex, { lines: history.length, bytes: Buffer.byteLength(text) })
    // an append queued before this rewrite keeps its lines (written first, then replaced); later ones follow it
    this.appending.delete(apex)
    const path = join(this.dir, historyFileName(apex))
    this.run(apex, async () => {
      await this.closeFile(apex) // the file is replaced: an open handle would append to the old one
      if (text === '') {
        await unlink(path).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err
        })
        return
      }
      await this.ensureDir()
      await writeFileAtomic(path, text)
    })
  }

  /** Resolves when every write handed over so far is done (or failed); closes the open files (stop). */
  async flush(): Promise<void> {
    this.chain = this.chain.then(async () => {
      for (const apex of [...this.handles.keys()]) await this.closeFile(apex)
    })
    await this.chain
  }

  private run(apex: string, op: () => Promise<void>): void {
    this.chain = this.chain.then(op).catch(async (err: unknown) => {
      // the next write of this zone replaces the file: what is on disk is unknown now
      this.files.delete(apex)
      await this.closeFile(apex)
      this.onError(err, apex)
    })
  }

  /** Appends `text` to the zone's file through a handle kept open (at most MAX_OPEN_HISTORY_FILES). */
  private async appendOpen(apex: string, path: string, text: string): Promise<void> {
    let fh = this.handles.get(apex)
    if (fh) this.handles.delete(apex) // re-inserted below: the map's order is the order of use
    else {
      await this.ensureDir()
      fh = await open(path, 'a')
      const oldest = this.handles.size >= MAX_OPEN_HISTORY_FILES ? this.handles.keys().next().value : undefined
      if (oldest !== undefined) await this.closeFile(oldest)
    }
    this.handles.set(apex, fh)
    await fh.appendFile(text)
  }

  private async closeFile(apex: string): Promise<void> {
    const fh = this.handles.get(apex)
    if (!fh) return
    this.handles.delete(apex)
    try {
      await fh.close()
    } catch {
      // nothing was pending on it (every append was awaited): a failed close loses nothing
    }
  }

  private async ensureDir(): Promise<void> {
    if (this.dirMade) return
    await mkdir(this.dir, { recursive: true })
    this.dirMade = true
  }
}

/** What start-up and the change handler need of the zone tracker. */
interface HistoryTracker {
  apexes(): string[]
  serialOf(apex: string): number | undefined
  historyOf(apex: string): readonly ZoneDiff[]
  restoreHistory(apex: string, diffs: readonly ZoneDiff[]): boolean
}

interface HistoryLog {
  info(o: object, msg: string): void
  warn(o: object, msg: string): void
}

/**
 * Start-up: reads every loaded zone's file into the tracker. A file cut short or corrupt is read up to the
 * damage (warned); one that does not end at the serial and content loaded (changed while the node was down,
 * or its last writes lost) is dropped (IXFR from older serials then answers the whole zone, RFC 1995 4).
 * Files that are not exactly what memory holds now are rewritten.
 */
export async function restoreHistories(tracker: HistoryTracker, writer: HistoryFileWriter, dir: string, opts: ZoneTrackerOptions, log: HistoryLog): Promise<void> {
  for (const apex of tracker.apexes()) {
    const read = await readHistory(dir, apex, opts)
    const file = join(dir, historyFileName(apex))
    if (read.cut !== undefined) log.warn({ zone: apex, file, line: read.cutLine, reason: read.cut, kept: read.diffs.length }, 'zone history file damaged: read up to the damage')
    const restored = read.diffs.length > 0 && tracker.restoreHistory(apex, read.diffs)
    if (read.diffs.length > 0 && !restored) log.info({ zone: apex, file, serial: tracker.serialOf(apex), history_ends: read.diffs[read.diffs.length - 1].to }, 'zone history does not end at the zone loaded: dropped (IXFR answers the whole zone until new changes)')
    if (restored) log.info({ zone: apex, from: tracker.historyOf(apex)[0].from, serial: tracker.serialOf(apex), diffs: tracker.historyOf(apex).length }, 'zone history restored')
    if (read.fileBytes === 0) continue
    if (restored && read.cut === undefined && !read.restarted && tracker.historyOf(apex).length === read.lines) writer.loaded(apex, read.lines, read.fileBytes)
    else writer.rewrite(apex, tracker.historyOf(apex))
  }
}

/** After a change of `apex` from serial `from` to `to` (either undefined: the zone appeared or went). */
export function recordStep(tracker: HistoryTracker, writer: HistoryFileWriter, apex: string, from: number | undefined, to: number | undefined): void {
  const history = tracker.historyOf(apex)
  if (from !== undefined && to !== undefined && history[history.length - 1]?.to === to) writer.append(apex, history)
  else writer.rewrite(apex, history)
}
