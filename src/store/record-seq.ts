/**
 * The record list of one RecordIndex generation, as a persistent chunked sequence (pure, no I/O), so
 * that a write costs the change and not the store: a new generation copies the list of chunk
 * references (records / CHUNK of them) and the few chunks the change touches; every older generation
 * keeps its own chunks and still reads as it was. The plain array (list(), the file rewrite, GET all
 * records) is materialised lazily, once per generation.
 *
 * Finding a record (by id, or its position for a journal entry) uses a locator shared by a line of
 * sequences, updated in place by each new one (like RecordIndex's name+type map): id -> chunk ordinal.
 * Chunk ordinals are stable: a removal copies its chunk smaller (possibly empty), an append fills the
 * last chunk or opens a new one. Records without an id, or with an id several records hold, are found
 * by a scan (a hand-edited file may have them; the API and peers always give ids).
 */
import type { RecordDelta } from './index-delta.js'
import type { DnsRecord } from './record.js'

/** Records per chunk: a change copies one chunk, and chunk lists stay short (~1,000 at 1M records). */
export const CHUNK = 1024

type Chunk = readonly DnsRecord[]

/** Where records live in the newest sequence of a line (`at`): id -> chunk ordinal, -1 when several records hold the id. */
interface Locator {
  at: RecordSeq | undefined
  byId: Map<string, number>
  /** Chunks indexed so far (all of them before any use: see warm). */
  built: number
}

export class RecordSeq {
  private array: readonly DnsRecord[] | undefined
  private loc: Locator | undefined

  private constructor(
    private readonly chunks: readonly Chunk[],
    readonly length: number,
    array?: readonly DnsRecord[],
  ) {
    this.array = array
  }

  /** The sequence of `records` (kept as its array: callers must not mutate it later). */
  static of(records: readonly DnsRecord[]): RecordSeq {
    const chunks: Chunk[] = []
    for (let i = 0; i < records.length; i += CHUNK) chunks.push(records.slice(i, i + CHUNK))
    return new RecordSeq(chunks, records.length, records)
  }

  /** Every record in order, as one frozen array (built on first use, then kept). */
  toArray(): readonly DnsRecord[] {
    if (this.array) return this.array
    const out: DnsRecord[] = new Array<DnsRecord>(this.length)
    let i = 0
    for (const c of this.chunks) for (const r of c) out[i++] = r
    return (this.array = Object.freeze(out))
  }

  /** True when `records` is this sequence's array (already materialised): an identity check, no scan. */
  isArray(records: unknown): boolean {
    return this.array !== undefined && this.array === records
  }

  /** Every record with this id, in list order (one, unless a hand-edited file repeats an id). */
  withId(id: string): DnsRecord[] {
    const at = this.locator().byId.get(id)
    if (at === undefined) return []
    return (at >= 0 ? this.chunks[at] : this.toArray()).filter((r) => r.id === id)
  }

  /** True when some record has this id. */
  hasId(id: string): boolean {
    return this.locator().byId.has(id)
  }

  /** The position of `r` (this object) in the list, or -1. */
  positionOf(r: DnsRecord): number {
    const at = this.chunkOf(r)
    if (at < 0) return -1
    let before = 0
    for (let k = 0; k < at; k++) before += this.chunks[k].length
    return before + this.chunks[at].indexOf(r)
  }

  /**
   * This sequence changed by `delta` (IndexDelta's order: records not named keep their order, a
   * replacement takes its old record's place, `added` go last, `removed` go). This one is not changed.
   */
  apply(delta: RecordDelta): RecordSeq {
    const loc = this.locator()
    const chunks = this.chunks.slice()
    const copied = new Set<number>()
    const edit = (at: number): DnsRecord[] => {
      if (!copied.has(at)) {
        copied.add(at)
        chunks[at] = chunks[at].slice()
      }
      return chunks[at] as DnsRecord[]
    }
    for (const [old, r] of delta.replaced) {
      const at = this.chunkOf(old)
      if (at < 0) continue
      const c = edit(at)
      c[c.indexOf(old)] = r
      if (old.id !== r.id) {
        forget(loc.byId, old)
        remember(loc.byId, r, at)
      }
    }
    let length = this.length
    for (const old of delta.removed) {
      const at = this.chunkOf(old)
      if (at < 0) continue
      const c = edit(at)
      c.splice(c.indexOf(old), 1)
      forget(loc.byId, old)
      length--
    }
    for (const r of delta.added) {
      let at = chunks.length - 1
      if (at < 0 || chunks[at].length >= CHUNK) {
        chunks.push([])
        at++
        copied.add(at)
      }
      edit(at).push(r)
      remember(loc.byId, r, at)
      length++
    }
    loc.built = chunks.length
    const next = new RecordSeq(chunks, length)
    // Half the chunk space empty (many removals): rebuilt whole, which the removals since the last rebuild pay for.
    if (chunks.length > 2 * Math.ceil(length / CHUNK) + 8) {
      loc.at = undefined // its ordinals are the old chunks'
      return RecordSeq.of(next.toArray())
    }
    loc.at = next
    next.loc = loc
    return next
  }

  /**
   * Builds up to `chunks` chunks of the locator ahead of the first write (a million ids take seconds
   * on a busy machine: the store spreads that over idle turns). True once complete, or once a newer
   * sequence took the locator over (nothing left to prepare here).
   */
  warm(chunks: number): boolean {
    if (this.loc && this.loc.at !== this) return true
    return this.fill((this.loc ??= { at: this, byId: new Map(), built: 0 }), chunks)
  }

  /** The locator, complete; built from this sequence when it is not the newest of its line (a refused write, an old generation). */
  private locator(): Locator {
    if (this.loc?.at !== this) this.loc = { at: this, byId: new Map(), built: 0 }
    this.fill(this.loc, Infinity)
    return this.loc
  }

  private fill(loc: Locator, chunks: number): boolean {
    const end = Math.min(this.chunks.length, loc.built + chunks)
    for (; loc.built < end; loc.built++) for (const r of this.chunks[loc.built]) remember(loc.byId, r, loc.built)
    return loc.built === this.chunks.length
  }

  /** The ordinal of the chunk holding `r` (this object), or -1. */
  private chunkOf(r: DnsRecord): number {
    const at = r.id ? this.locator().byId.get(r.id) : undefined
    if (at !== undefined && at >= 0 && this.chunks[at].includes(r)) return at
    return this.chunks.findIndex((c) => c.includes(r))
  }
}

function remember(byId: Map<string, number>, r: DnsRecord, at: number): void {
  if (!r.id) return
  byId.set(r.id, byId.has(r.id) ? -1 : at)
}

/** A removed record's id: forgotten when one record held it (a shared id keeps -1: found by a scan, correctly). */
function forget(byId: Map<string, number>, r: DnsRecord): void {
  if (r.id && (byId.get(r.id) ?? -1) >= 0) byId.delete(r.id)
}
