/**
 * In-memory RecordStore for tests (cluster, API...). Builds a new RecordIndex on every change
 * and swaps it in one assignment, emits change events like the real store. No validation
 * beyond what tests need; no disk.
 */
import { randomUUID } from 'node:crypto'
import { DnsplaneError } from '../../src/errors.js'
import { RecordIndex } from '../../src/store/record-index.js'
import type { MassDeleteInfo } from '../../src/store/mass-delete.js'
import type {
  ChangeSource,
  MassDeleteResult,
  RecordChange,
  RecordInput,
  RecordSelector,
  RecordSetTransform,
  RecordStore,
  StartReconcile,
  WriteResult,
} from '../../src/store/record-store.js'
import { GO_ZERO_TIME, isSameRecord, nameKey, type DnsRecord } from '../../src/store/record.js'

export class FakeRecordStore implements RecordStore {
  index: RecordIndex
  private generation = 0
  private readonly listeners = new Set<(change: RecordChange) => void>()
  /** Every replaceAll call, for assertions. */
  readonly replaced: { records: DnsRecord[]; source: ChangeSource }[] = []
  /** When set, replaceAll rejects with it. */
  failReplace: Error | undefined

  constructor(records: DnsRecord[] = []) {
    this.index = RecordIndex.build(records, this.generation)
  }

  list(): readonly DnsRecord[] {
    return this.index.records
  }

  async add(input: RecordInput): Promise<WriteResult> {
    const rec: DnsRecord = {
      id: input.id ?? randomUUID(),
      name: input.name,
      type: input.type.toUpperCase(),
      value: input.value,
      ttl: input.ttl ?? 3600,
      added_on: new Date().toISOString(),
      updated_on: GO_ZERO_TIME,
      last_query: GO_ZERO_TIME,
    }
    this.swap([...this.list(), rec], 'local', 'add', [rec])
    return { records: [rec], messages: [] }
  }

  async update(input: RecordInput): Promise<WriteResult> {
    const cur = this.list()
    const i = cur.findIndex((r) => (input.id ? r.id === input.id : isSameRecord(r, input)))
    if (i < 0) return this.add(input)
    const rec = { ...cur[i], ...input, ttl: input.ttl ?? cur[i].ttl, updated_on: new Date().toISOString() }
    const next = [...cur]
    next[i] = rec
    this.swap(next, 'local', 'update', [rec])
    return { records: [rec], messages: [] }
  }

  async remove(selector: RecordSelector): Promise<WriteResult> {
    const cur = this.list()
    const hit = (r: DnsRecord) =>
      'id' in selector
        ? r.id === selector.id
        : nameKey(r.name) === nameKey(selector.name) &&
          (selector.type === undefined || r.type === selector.type.toUpperCase()) &&
          (selector.value === undefined || r.value === selector.value)
    const removed = cur.filter(hit)
    if (removed.length === 0) throw new DnsplaneError('ERR_RECORD_NOT_FOUND', 'no matching record')
    this.swap(cur.filter((r) => !hit(r)), 'local', 'remove', removed)
    return { records: removed, messages: [] }
  }

  async replaceAll(records: readonly DnsRecord[], source: ChangeSource): Promise<void> {
    if (this.failReplace) throw this.failReplace
    const copy = records.map((r) => ({ ...r }))
    this.replaced.push({ records: copy, source })
    this.swap(copy, source, 'replace', copy)
  }

  private chain: Promise<unknown> = Promise.resolve()

  /** Serialised like the real store's write queue. */
  replaceWith(compute: RecordSetTransform, source: ChangeSource): Promise<boolean> {
    const run = async () => {
      const out = await compute(this.list())
      if (out === undefined) return false
      await this.replaceAll(out, source)
      return true
    }
    const p = this.chain.then(run, run)
    this.chain = p.catch(() => undefined)
    return p
  }

  async reload(): Promise<number> {
    return this.list().length
  }

  async save(): Promise<void> {}

  async reconcileAtStart(): Promise<StartReconcile> {
    return 'accepted'
  }

  heldMassDelete(): MassDeleteInfo | undefined {
    return undefined
  }

  async confirmMassDelete(): Promise<MassDeleteResult> {
    throw new DnsplaneError('ERR_NOT_FOUND', 'no mass delete is held back')
  }

  async discardMassDelete(): Promise<MassDeleteResult> {
    throw new DnsplaneError('ERR_NOT_FOUND', 'no mass delete is held back')
  }

  onChange(listener: (change: RecordChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  private swap(records: DnsRecord[], source: ChangeSource, kind: RecordChange['kind'], touched: DnsRecord[]): void {
    this.index = RecordIndex.build(records, ++this.generation)
    for (const l of this.listeners) l({ source, kind, records: touched, index: this.index })
  }
}
