/**
 * Deterministic cluster simulator for the record_lww replica (and, for contrast, lww_per_node
 * snapshots). N in-memory nodes, each with a ReplicaState, its own HlcClock on a fake wall clock
 * that the ops skew and turn backwards, and the record list its store serves. Local writes go
 * through recordLocal on the served list, as FileRecordStore + LwwReplica do; peer entries are
 * merged and the store then serves viewOrderedLike(served), as LwwReplica.applyRemote does.
 * The network is a list of pending messages the ops deliver in any order, duplicate or drop;
 * partitions drop traffic between groups. No randomness or time of its own: everything comes
 * from the ops, so a failing fast-check run replays exactly.
 */
import { compareHlc, formatHlc, HlcClock } from '../../src/cluster/sync/lww/hlc.js'
import { ReplicaState, type VersionedEntry } from '../../src/cluster/sync/lww/replica.js'
import { GO_ZERO_TIME, recordKey, type DnsRecord } from '../../src/store/record.js'

export type SimMode = 'record_lww' | 'lww_per_node'

/** A local write, as a user or file edit makes it on one node. Indexes are taken modulo the list length. */
export type LocalOp =
  | { kind: 'add'; node: number; name: number; value: number; withId: boolean; ttl: number }
  | { kind: 'update'; node: number; pick: number; change: 'value' | 'ttl'; value: number; ttl: number }
  | { kind: 'delete'; node: number; pick: number }

/** Something the network, the clocks or the anti-entropy timer does. */
export type NetOp =
  | { kind: 'deliver'; pick: number }
  | { kind: 'duplicate'; pick: number }
  | { kind: 'drop'; pick: number }
  | { kind: 'partition'; groups: number[] }
  | { kind: 'heal' }
  | { kind: 'clock'; node: number; deltaMs: number }
  | { kind: 'anti_entropy'; a: number; b: number }

export type SimOp = LocalOp | NetOp

/** One message in flight: delta entries (record_lww) or a full snapshot (lww_per_node). */
export interface SimMessage {
  from: number
  to: number
  entries?: VersionedEntry[]
  snapshot?: DnsRecord[]
}

export interface SimNode {
  id: string
  /** Fake wall clock in ms; ops move it either way. */
  wall: number
  clock: HlcClock
  state: ReplicaState
  /** What the node's record store holds. */
  served: DnsRecord[]
  /** Local write counter, for unique ids. */
  seq: number
}

export interface SimOptions {
  nodes: number
  mode?: SimMode
  /** Bucket count of the anti-entropy digest (a power of two). */
  buckets?: number
  /** Initial wall clock offsets per node in ms (skew); missing ones are 0. */
  skewMs?: number[]
}

const NAMES = ['www.example', 'mail.example', 'Www.Example'] // stored names are canonical (no trailing dot), case kept
const VALUES = ['10.0.0.1', '10.0.0.2', '10.0.0.3']
const BASE_WALL = 1_700_000_000_000

export class ReplicaSim {
  readonly nodes: SimNode[]
  readonly mode: SimMode
  readonly buckets: number
  pending: SimMessage[] = []
  /** Per key, the highest version any node ever wrote: the entry every replica must end with. */
  readonly truth = new Map<string, VersionedEntry>()
  /** Partition group of each node; nodes talk only within a group. */
  private groups: number[]
  /** Human-readable trace of what happened, for failure messages. */
  readonly log: string[] = []
  /**
   * Local writes whose version did not exceed the version the node already held for that key:
   * such a write, made after the node saw the other, would lose to it (a lost update).
   */
  readonly causalityProblems: string[] = []

  constructor(opts: SimOptions) {
    this.mode = opts.mode ?? 'record_lww'
    this.buckets = opts.buckets ?? 16
    this.groups = new Array<number>(opts.nodes).fill(0)
    this.nodes = Array.from({ length: opts.nodes }, (_, i) => {
      const id = `n${i}`
      const wall = { ms: BASE_WALL + (opts.skewMs?.[i] ?? 0) }
      return {
        id,
        get wall() {
          return wall.ms
        },
        set wall(ms: number) {
          wall.ms = ms
        },
        clock: new HlcClock(id, () => wall.ms),
        state: new ReplicaState(),
        served: [],
        seq: 0,
      }
    })
  }

  connected(a: number, b: number): boolean {
    return this.groups[a] === this.groups[b]
  }

  run(ops: readonly SimOp[]): void {
    for (const op of ops) this.step(op)
  }

  step(op: SimOp): void {
    switch (op.kind) {
      case 'add':
      case 'update':
      case 'delete':
        this.local(op)
        return
      case 'deliver': {
        const m = this.take(op.pick)
        if (m) this.deliver(m)
        return
      }
      case 'duplicate': {
        const m = this.peek(op.pick)
        if (m) this.pending.push({ ...m })
        return
      }
      case 'drop':
        if (this.take(op.pick)) this.log.push('drop')
        return
      case 'partition':
        this.groups = this.nodes.map((_, i) => op.groups[i % op.groups.length] ?? 0)
        this.log.push(`partition ${this.groups.join(',')}`)
        return
      case 'heal':
        this.groups = this.groups.map(() => 0)
        this.log.push('heal')
        return
      case 'clock': {
        const n = this.nodes[op.node % this.nodes.length]
        n.wall = Math.max(0, n.wall + op.deltaMs)
        return
      }
      case 'anti_entropy': {
        const a = op.a % this.nodes.length
        const b = op.b % this.nodes.length
        if (a !== b && this.connected(a, b)) this.antiEntropy(a, b)
        return
      }
    }
  }

  /** A local write on one node's store, then versioned and sent to every reachable peer. */
  private local(op: LocalOp): void {
    const i = op.node % this.nodes.length
    const n = this.nodes[i]
    const served = n.served
    let next: DnsRecord[] | undefined
    if (op.kind === 'add') {
      const r: DnsRecord = {
        name: NAMES[op.name % NAMES.length],
        type: 'A',
        value: VALUES[op.value % VALUES.length],
        ttl: op.ttl,
        added_on: GO_ZERO_TIME,
        updated_on: GO_ZERO_TIME,
        last_query: GO_ZERO_TIME,
      }
      if (op.withId) r.id = `${n.id}-${++n.seq}`
      // The store refuses an exact duplicate (name+type+value), as FileRecordStore.add does.
      if (served.some((s) => recordKey(s) === recordKey(r))) return
      next = [...served, r]
    } else if (served.length > 0) {
      const at = op.pick % served.length
      const old = served[at]
      if (op.kind === 'delete') {
        next = served.filter((_, j) => j !== at)
      } else {
        const stamp = `2025-01-01T00:00:${String(n.seq++ % 60).padStart(2, '0')}Z`
        // Without an id the store can only change the ttl (the value is the record's identity).
        const r: DnsRecord =
          op.change === 'value' && old.id
            ? { ...old, value: VALUES[op.value % VALUES.length], updated_on: stamp }
            : { ...old, ttl: op.ttl, updated_on: stamp }
        if (served.some((s, j) => j !== at && recordKey(s) === recordKey(r))) return
        next = served.map((s, j) => (j === at ? r : s))
      }
    }
    if (!next) return
    n.served = next
    this.log.push(`${op.kind}@${n.id}`)
    if (this.mode === 'lww_per_node') {
      this.broadcast(i, (to) => ({ from: i, to, snapshot: [...next] }))
      return
    }
    const held = new Map(n.state.entries().map((e) => [e.key, e.version] as const))
    const changes = n.state.recordLocal(next, n.clock)
    for (const e of changes) {
      const before = held.get(e.key)
      if (before && compareHlc(e.version, before) <= 0) {
        this.causalityProblems.push(`${n.id} wrote ${e.key} at ${formatHlc(e.version)} after holding ${formatHlc(before)}`)
      }
      const cur = this.truth.get(e.key)
      if (!cur || compareHlc(e.version, cur.version) > 0) this.truth.set(e.key, e)
    }
    if (changes.length > 0) this.broadcast(i, (to) => ({ from: i, to, entries: changes }))
  }

  private broadcast(from: number, make: (to: number) => SimMessage): void {
    for (let to = 0; to < this.nodes.length; to++) if (to !== from && this.connected(from, to)) this.pending.push(make(to))
  }

  private take(pick: number): SimMessage | undefined {
    if (this.pending.length === 0) return undefined
    return this.pending.splice(pick % this.pending.length, 1)[0]
  }

  private peek(pick: number): SimMessage | undefined {
    return this.pending.length === 0 ? undefined : this.pending[pick % this.pending.length]
  }

  /** Delivers one message; across a partition it is lost. */
  deliver(m: SimMessage): void {
    if (!this.connected(m.from, m.to)) {
      this.log.push('lost to partition')
      return
    }
    this.log.push(`deliver ${m.from}->${m.to}`)
    if (m.snapshot) this.nodes[m.to].served = [...m.snapshot]
    if (m.entries) this.apply(m.to, m.entries)
  }

  /** LwwReplica.applyRemote: merge, and when anything won, the store serves the new view. */
  private apply(to: number, entries: readonly VersionedEntry[]): number {
    const n = this.nodes[to]
    const won = n.state.merge(entries, n.clock)
    if (won.length > 0) n.served = n.state.viewOrderedLike(n.served)
    return won.length
  }

  /**
   * runAntiEntropy(a -> b) / answerDigest as lww-sync.ts does them: a sends its digest, b answers
   * with its entries of the differing buckets, a merges them and sends its own of those buckets.
   */
  antiEntropy(a: number, b: number): void {
    const A = this.nodes[a].state
    const B = this.nodes[b].state
    const differ = B.differingBuckets(A.digest(this.buckets))
    if (differ.length === 0) return
    const fromB = B.entriesInBuckets(differ, this.buckets)
    this.apply(a, fromB)
    const fromA = A.entriesInBuckets(differ, this.buckets)
    this.apply(b, fromA)
    this.log.push(`anti-entropy ${a}<->${b} (${differ.length} buckets)`)
  }

  /**
   * Heals every partition and runs all-pairs anti-entropy until every digest matches, at most
   * `maxRounds` rounds. Returns the rounds used (record_lww), or for lww_per_node has each node
   * push its snapshot to every other once (the periodic full sync), in node order.
   */
  healAndSettle(maxRounds = 5): number {
    this.groups = this.groups.map(() => 0)
    if (this.mode === 'lww_per_node') {
      for (let from = 0; from < this.nodes.length; from++) {
        for (let to = 0; to < this.nodes.length; to++) if (to !== from) this.nodes[to].served = [...this.nodes[from].served]
      }
      return 1
    }
    for (let round = 1; round <= maxRounds; round++) {
      for (let a = 0; a < this.nodes.length; a++) for (let b = a + 1; b < this.nodes.length; b++) this.antiEntropy(a, b)
      if (this.digestsAgree()) return round
    }
    return maxRounds + 1
  }

  /** Delivers every message still in flight, oldest first (late, stale and duplicate traffic). */
  drain(): void {
    while (this.pending.length > 0) this.deliver(this.pending.shift() as SimMessage)
  }

  digestsAgree(): boolean {
    const first = this.nodes[0].state.digest(this.buckets).join()
    return this.nodes.every((n) => n.state.digest(this.buckets).join() === first)
  }

  /**
   * Problems with the record_lww outcome: a write that would lose to one its node had already
   * seen, nodes that differ, or entries that are not the highest version written.
   */
  convergenceProblems(): string[] {
    const problems: string[] = [...this.causalityProblems]
    const views = this.nodes.map((n) => viewText(n.state.view()))
    for (let i = 1; i < views.length; i++) {
      if (views[i] !== views[0]) problems.push(`view of ${this.nodes[i].id} differs from ${this.nodes[0].id}:\n  ${views[i]}\n  ${views[0]}`)
    }
    for (const n of this.nodes) {
      for (const [key, want] of this.truth) {
        const got = n.state.get(key)
        if (!got) problems.push(`${n.id} lost ${key} (want ${describe(want)})`)
        else if (describe(got) !== describe(want)) problems.push(`${n.id} holds ${describe(got)} for ${key}, want ${describe(want)}`)
      }
      if (n.state.size !== this.truth.size) problems.push(`${n.id} holds ${n.state.size} entries, ${this.truth.size} were written`)
    }
    return problems
  }

  /** Nodes whose store does not serve exactly their replica's view. */
  storeProblems(): string[] {
    return this.nodes
      .filter((n) => viewText(n.served) !== viewText(n.state.view()))
      .map((n) => `${n.id} serves ${viewText(n.served)} but its view is ${viewText(n.state.view())}`)
  }

  /** Served record sets per node, each as sorted text (for comparing nodes). */
  servedSets(): string[] {
    return this.nodes.map((n) => viewText(n.served))
  }
}

/** A record set as order-independent text. */
export function viewText(records: readonly DnsRecord[]): string {
  return records
    .map((r) => `${r.id ?? '-'} ${r.name} ${r.value} ${r.ttl} ${r.updated_on}`)
    .sort()
    .join(' | ')
}

function describe(e: VersionedEntry): string {
  return `${formatHlc(e.version)} ${e.record ? `${e.record.name} ${e.record.value} ttl=${e.record.ttl} ${e.record.updated_on}` : 'deleted'}`
}
