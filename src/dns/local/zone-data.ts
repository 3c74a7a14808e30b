/**
 * The local records of one RecordIndex generation as a tree of names: the records of each owner
 * grouped by type, IP-form PTRs and synthesized PTRs at their reverse names, every ancestor of an
 * owner (empty non-terminals, RFC 8020) and the zone apexes (owners of a SOA). The tree is built
 * once per generation from names only; an RRset's wire form (one TTL, no duplicates) is built the
 * first time a query needs it (rrsets.ts). Pure: no I/O; TTL conflicts are returned, for the caller to log.
 */
import type { RecordIndex } from '../../store/record-index.js'
import type { DnsRecord } from '../../store/record.js'
import { TYPE_A, TYPE_AAAA, TYPE_PTR, TYPE_SOA, typeNumber } from '../../store/rr-types.js'
import type { RecordDelta } from '../../store/index-delta.js'
import { parentKey } from './names.js'
import { ownerKey, reverseKey, served, ttlConflict, type Group, type RRset, type TtlConflict } from './rrsets.js'

export { reverseKey, type LocalRR, type RRset, type TtlConflict } from './rrsets.js'

export interface ZoneDataOptions {
  /** Synthesize PTRs at the reverse names of A/AAAA values. */
  autoBuildPtrFromA: boolean
  /** The serial to serve in the SOA of a zone apex in place of the stored one (src/zones), if any. */
  soaSerial?: (apex: string) => number | undefined
}

/** One owner name: its records grouped by type, in the order the types first appear in the file. */
export class ZoneNode {
  /** Sized to what it holds: an array grown from [] by push reserves 16 slots, and most names have one group. */
  groups: Group[] = EMPTY_GROUPS
  constructor(
    readonly key: string,
    private readonly serialOf?: ZoneDataOptions['soaSerial'],
  ) {}

  /** The RRset of `type`, or undefined when there is none (or none of its values encodes). */
  get(type: number): RRset | undefined {
    for (const g of this.groups) if (g.type === type) return served(this.key, g, this.serialOf) ?? undefined
    return undefined
  }

  has(type: number): boolean {
    return this.get(type) !== undefined
  }

  /** Every RRset of the name that has RRs. */
  sets(): RRset[] {
    const out: RRset[] = []
    for (const g of this.groups) {
      const set = served(this.key, g, this.serialOf)
      if (set) out.push(set)
    }
    return out
  }

  group(type: number): Group {
    for (const g of this.groups) if (g.type === type) return g
    const g: Group = { type, records: EMPTY_RECORDS }
    this.groups = this.groups.length === 0 ? [g] : [...this.groups, g]
    return g
  }
}

// Shared empty lists, never mutated: place() and group() replace them with sized arrays.
const EMPTY_GROUPS: Group[] = []
const EMPTY_RECORDS: DnsRecord[] = []

/**
 * What one change did to the tree, as the dependency tokens answers read (see ZoneData.trace):
 * `n<key>` the node at key changed, `e<key>` the name's existence flipped, `a<key>` it became or stopped
 * being an apex.
 */
export type ZoneChanges = Set<string>

export class ZoneData {
  readonly nodes = new Map<string, ZoneNode>()
  /**
   * For every ancestor of an owner (root excluded): how many owners are below it. An owner's own name
   * is not counted here (its node or synthesized PTRs say it exists): a million leaf names cost ~45 bytes each.
   */
  private readonly below = new Map<string, number>()
  /** Keys of the names that own a SOA. */
  readonly apexes = new Set<string>()
  /** TTL conflicts by owner key + '|' + type. */
  private readonly conflicts = new Map<string, TtlConflict>()
  /**
   * Reverse names that hold synthesized PTRs only, with the A/AAAA records they stand for (one alone or a
   * list in file order): no node, group or lists of their own (a million addresses cost ~240 bytes each
   * as nodes); nodeAt() gives such a name a node when it is asked. A name that also owns records is a node.
   */
  private readonly synth = new Map<string, DnsRecord | DnsRecord[]>()
  /** File position of every record in the tree (gaps allowed), to keep groups in file order. */
  private readonly order = new Map<DnsRecord, number>()
  private nextOrder = 0
  /** While set, every token (see ZoneChanges) an answer reads is added here. */
  trace: Set<string> | undefined

  /** `index` is read for its records only (a zone's content builds a tree from a plain list). */
  constructor(
    index: Pick<RecordIndex, 'records'>,
    private readonly opts: ZoneDataOptions,
  ) {
    // a build touches and creates everything: noting each group and name in sets cost ~6 entries per record
    const op: Op = { ...newOp(), all: true }
    for (const r of index.records) this.insert(r, this.nextOrder++, op)
    this.settle(op, undefined)
  }

  get ttlConflicts(): TtlConflict[] {
    return [...this.conflicts.values()]
  }

  /**
   * Applies one index change in place (see IndexDelta for the order it keeps) and returns what it
   * touched; the tree is then the one a build from the new index gives.
   */
  apply(delta: RecordDelta): ZoneChanges {
    const changes: ZoneChanges = new Set()
    const op = newOp()
    for (const r of delta.removed) this.remove(r, op)
    for (const [old, next] of delta.replaced) {
      const at = this.order.get(old)
      this.remove(old, op)
      this.insert(next, at ?? this.nextOrder++, op)
    }
    for (const r of delta.added) this.insert(r, this.nextOrder++, op)
    this.settle(op, changes)
    return changes
  }

  /** The node at `key` (traced). */
  nodeAt(key: string): ZoneNode | undefined {
    this.trace?.add('n' + key)
    return this.nodes.get(key) ?? this.synthesizedNode(key)
  }

  /** A node for a name that holds synthesized PTRs only (built on each ask: its RRset is one encoded name per address). */
  private synthesizedNode(key: string): ZoneNode | undefined {
    const held = this.synth.get(key)
    if (held === undefined) return undefined
    const node = new ZoneNode(key, this.opts.soaSerial)
    node.groups = [{ type: TYPE_PTR, records: EMPTY_RECORDS, synthesized: Array.isArray(held) ? held : [held] }]
    return node
  }

  /** True when `key` owns a SOA (traced). */
  isApex(key: string): boolean {
    this.trace?.add('a' + key)
    return this.apexes.has(key)
  }

  /** The closest enclosing zone apex of `key` (the name itself counts), or undefined. */
  zoneOf(key: string): string | undefined {
    for (let k: string | undefined = key; k !== undefined; k = parentKey(k)) if (this.isApex(k)) return k
    return undefined
  }

  /** True when the name exists: it owns records or has descendants (RFC 8020). */
  exists(key: string): boolean {
    this.trace?.add('e' + key)
    return key !== '' && (this.below.has(key) || this.nodes.has(key) || this.synth.has(key))
  }

  rrset(key: string, type: number): RRset | undefined {
    return this.nodeAt(key)?.get(type)
  }

  /** Files `r` at position `at` into its group (and, for A/AAAA, the synthesized PTR group). */
  private insert(r: DnsRecord, at: number, op: Op): void {
    // every record has a position, placed or not, so an update keeps its place whatever it was
    this.order.set(r, at)
    if (at >= this.nextOrder) this.nextOrder = at + 1
    const type = typeNumber(r.type)
    if (type === undefined) return
    const owner = ownerKey(r, type)
    if (owner === undefined) return
    const g = this.node(owner, op).group(type)
    g.records = this.place(g.records, r, at)
    if (!op.all) op.groups.add(g)
    if (this.opts.autoBuildPtrFromA && (type === TYPE_A || type === TYPE_AAAA)) {
      const rev = reverseKey(r.value)
      if (rev !== undefined && !this.nodes.has(rev)) this.synthesize(rev, r, at, op)
      else if (rev !== undefined) {
        const pg = this.node(rev, op).group(TYPE_PTR)
        pg.synthesized = this.place(pg.synthesized ?? EMPTY_RECORDS, r, at)
        if (!op.all) op.groups.add(pg)
      }
    }
  }

  private remove(r: DnsRecord, op: Op): void {
    if (!this.order.delete(r)) return
    const type = typeNumber(r.type)
    if (type === undefined) return
    const owner = ownerKey(r, type)
    if (owner === undefined) return
    const g = this.node(owner, op).group(type)
    drop(g.records, r)
    op.groups.add(g)
    if (this.opts.autoBuildPtrFromA && (type === TYPE_A || type === TYPE_AAAA)) {
      const rev = reverseKey(r.value)
      if (rev !== undefined && !this.nodes.has(rev)) this.unsynthesize(rev, r, op)
      else if (rev !== undefined) {
        const pg = this.node(rev, op).group(TYPE_PTR)
        drop(pg.synthesized as DnsRecord[], r)
        op.groups.add(pg)
      }
    }
  }

  /** Files A/AAAA record `r` (position `at`) at reverse name `rev`, which has no node. */
  private synthesize(rev: string, r: DnsRecord, at: number, op: Op): void {
    const held = this.synth.get(rev)
    if (held === undefined) {
      this.synth.set(rev, r)
      // a name emptied earlier in this change existed before it (see node())
      if (!op.all && !op.nodes.has(rev)) op.created.add(rev)
    } else this.synth.set(rev, this.place(Array.isArray(held) ? held : [held], r, at))
    if (!op.all) op.nodes.add(rev)
  }

  /** Takes A/AAAA record `r` away from reverse name `rev`, which has no node; settle() drops an emptied name. */
  private unsynthesize(rev: string, r: DnsRecord, op: Op): void {
    const held = this.synth.get(rev)
    if (held === undefined) return
    if (!Array.isArray(held)) {
      if (held === r) this.synth.delete(rev)
    } else {
      drop(held, r)
      if (held.length === 1) this.synth.set(rev, held[0])
    }
    op.nodes.add(rev)
  }

  /**
   * Inserts `r` (file position `at`) keeping `list` in file order; appending is the common case.
   * Returns the list to keep: a new one-element array for an empty list (a million names each
   * holding a 16-slot array grown by push cost hundreds of MiB).
   */
  private place(list: DnsRecord[], r: DnsRecord, at: number): DnsRecord[] {
    if (list.length === 0) return [r]
    let i = list.length
    while (i > 0 && (this.order.get(list[i - 1]) as number) > at) i--
    if (i === list.length) list.push(r)
    else list.splice(i, 0, r)
    return list
  }

  /**
   * After inserts/removes: drops empty groups and nodes, keeps each node's groups in first-appearance
   * order, recomputes TTL conflicts, apexes and existence counts, and notes the tokens that changed.
   */
  private settle(op: Op, changes: ZoneChanges | undefined): void {
    // a served serial (src/zones) moves with every change in its zone: answers that read the SOA go stale
    if (changes && this.opts.soaSerial) {
      for (const key of op.nodes) {
        const zone = this.zoneOf(key)
        if (zone !== undefined) changes.add('n' + zone)
      }
    }
    if (op.all) for (const key of this.synth.keys()) this.count(key, 1, changes, op)
    for (const key of op.all ? this.nodes.keys() : op.nodes) {
      const node = this.nodes.get(key)
      changes?.add('n' + key)
      if (!node) {
        // a name with synthesized PTRs only (or none left)
        const created = op.created.has(key)
        if (!this.synth.has(key)) {
          if (!created) this.count(key, -1, changes, op)
        } else if (created) this.count(key, 1, changes, op)
        continue
      }
      for (let i = node.groups.length - 1; i >= 0; i--) {
        const g = node.groups[i]
        if (!op.all) {
          // a build's groups are new (nothing cached, no conflict noted): a million of them need no key string or extra fields
          if (!op.groups.has(g)) continue
          g.set = undefined
          g.patched = undefined
          this.conflicts.delete(key + '|' + g.type)
        }
        if (g.records.length === 0 && (g.synthesized?.length ?? 0) === 0) node.groups.splice(i, 1)
        else if (g.records.length > 1) {
          const conflict = ttlConflict(key, g)
          if (conflict) this.conflicts.set(key + '|' + g.type, conflict)
        }
      }
      if (node.groups.length > 1) node.groups.sort((a, b) => this.first(a) - this.first(b))
      const apex = node.groups.some((g) => g.type === TYPE_SOA)
      if (apex !== this.apexes.has(key)) {
        if (apex) this.apexes.add(key)
        else this.apexes.delete(key)
        changes?.add('a' + key)
      }
      const created = op.all || op.created.has(key)
      const only = node.groups.length === 1 && node.groups[0].records.length === 0 ? node.groups[0].synthesized : undefined
      if (only && only.length > 0) {
        // synthesized PTRs are all it has left: a name without a node again, as a build makes it
        this.nodes.delete(key)
        this.synth.set(key, only.length === 1 ? only[0] : only)
        if (created) this.count(key, 1, changes, op)
      } else if (node.groups.length === 0) {
        this.nodes.delete(key)
        if (!created) this.count(key, -1, changes, op)
      } else if (created) this.count(key, 1, changes, op)
    }
  }

  /**
   * Owner `key` appeared (by 1) or went (-1): adds `by` to the counts of its ancestors, noting existence
   * flips (of the name itself when nothing is below it; of an ancestor whose count passed 0 and that owned
   * nothing before this change: one created by it may not have been counted yet).
   */
  private count(key: string, by: number, changes: ZoneChanges | undefined, op: Op): void {
    if (key === '') return
    if (!this.below.has(key)) changes?.add('e' + key)
    for (let k = parentKey(key); k !== undefined && k !== ''; k = parentKey(k)) {
      const n = (this.below.get(k) ?? 0) + by
      if (n > 0) this.below.set(k, n)
      else this.below.delete(k)
      const owned = (this.nodes.has(k) || this.synth.has(k)) && !op.created.has(k)
      if ((n === 0 || n === by) && !owned) changes?.add('e' + k)
    }
  }

  /** File position of a group's first record (explicit or synthesizing). */
  private first(g: Group): number {
    const a = g.records.length > 0 ? (this.order.get(g.records[0]) as number) : Infinity
    const b = g.synthesized && g.synthesized.length > 0 ? (this.order.get(g.synthesized[0]) as number) : Infinity
    return Math.min(a, b)
  }

  /** The node at `key`, created when missing; noted in `op`. */
  private node(key: string, op: Op): ZoneNode {
    let node = this.nodes.get(key)
    if (!node) {
      this.nodes.set(key, (node = new ZoneNode(key, this.opts.soaSerial)))
      const held = this.synth.get(key)
      if (held !== undefined) {
        // a name with synthesized PTRs only becomes a node: they move into its PTR group
        this.synth.delete(key)
        const pg = node.group(TYPE_PTR)
        pg.synthesized = Array.isArray(held) ? held : [held]
        if (!op.all) op.groups.add(pg)
      }
      if (op.all) return node
      // a name that had synthesized PTRs only (now, or before this change emptied it) existed already
      if (held === undefined && !op.nodes.has(key)) op.created.add(key)
    }
    if (!op.all) op.nodes.add(key)
    return node
  }
}

/** What one build or apply touched: groups, node keys, and the nodes it created. */
interface Op {
  /** A build: every group and node counts as touched, every node as created (the sets stay empty). */
  all?: boolean
  groups: Set<Group>
  nodes: Set<string>
  created: Set<string>
}

function newOp(): Op {
  return { groups: new Set(), nodes: new Set(), created: new Set() }
}

/** Removes `r` (by identity) from `list`. */
function drop(list: DnsRecord[], r: DnsRecord): void {
  const i = list.lastIndexOf(r)
  if (i >= 0) list.splice(i, 1)
}
