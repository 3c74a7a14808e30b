/**
 * ReplicaState.recordTouched (the fast path for one store write) must leave the replica exactly as
 * recordLocal (the full diff) does, and updateRecordSetHash must equal recordSetHash of the new set.
 * Driven by random store writes (fast-check) over a replica that also holds concurrent copies.
 */
import fc from 'fast-check'
import t from 'tap'
import { HlcClock } from '../../../../src/cluster/sync/lww/hlc.js'
import { entryKey, recordSetHash, ReplicaState, updateRecordSetHash } from '../../../../src/cluster/sync/lww/replica.js'
import { RecordIndex } from '../../../../src/store/record-index.js'
import { GO_ZERO_TIME, recordKey, type DnsRecord } from '../../../../src/store/record.js'

const NAMES = ['a.example', 'b.example', 'A.Example']
const VALUES = ['10.0.0.1', '10.0.0.2']
const IDS = ['i1', 'i2', 'i3', 'i4']

type Op =
  | { kind: 'add'; id: number; name: number; value: number }
  | { kind: 'update'; at: number; value: number; ttl: number }
  | { kind: 'remove'; at: number }
  | { kind: 'peer_copy'; id: number; name: number; value: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), id: fc.nat(3), name: fc.nat(2), value: fc.nat(1) }),
  fc.record({ kind: fc.constant('update' as const), at: fc.nat(5), value: fc.nat(1), ttl: fc.constantFrom(60, 300) }),
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat(5) }),
  fc.record({ kind: fc.constant('peer_copy' as const), id: fc.nat(3), name: fc.nat(2), value: fc.nat(1) }),
)

const rec = (id: string, name: string, value: string, ttl = 300): DnsRecord => ({
  id, name, type: 'A', value, ttl, added_on: '2025-01-01T00:00:00Z', updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})

/** Entries as comparable text, versions left out (the two paths may tick in another order). */
const shape = (s: ReplicaState) => s.entries().map((e) => `${e.key} ${e.record ? recordKey(e.record) + ' ' + e.record.ttl : 'deleted'}`).sort()

t.test('recordTouched leaves the replica as the full diff does, and the incremental hash matches', async (t) => {
  let checked = 0
  fc.assert(
    fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
      const full = new ReplicaState()
      const fast = new ReplicaState()
      const clockA = new HlcClock('n', () => 1000)
      const clockB = new HlcClock('n', () => 1000)
      let served: DnsRecord[] = []
      let hash = recordSetHash(served)
      let peerWall = 5000
      for (const o of ops) {
        if (o.kind === 'peer_copy') {
          // A concurrent write from a peer (a merge): both replicas take it; the store shows the view.
          const e = { key: `id:p${o.id}`, version: { wall: peerWall++, counter: 0, node: 'peer' }, record: rec(`p${o.id}`, NAMES[o.name], VALUES[o.value]) }
          full.merge([e])
          fast.merge([e])
          served = full.viewOrderedLike(served)
          hash = recordSetHash(served)
          continue
        }
        let next: DnsRecord[]
        let touched: DnsRecord[]
        let removed: DnsRecord[] = []
        if (o.kind === 'add') {
          const r = rec(IDS[o.id], NAMES[o.name], VALUES[o.value])
          // The store refuses a duplicate id or name+type+value, as FileRecordStore.add does.
          if (served.some((x) => x.id === r.id || recordKey(x) === recordKey(r))) continue
          next = [...served, r]
          touched = [r]
        } else if (served.length === 0) {
          continue
        } else if (o.kind === 'update') {
          const old = served[o.at % served.length]
          const r = { ...old, value: VALUES[o.value], ttl: o.ttl }
          if (served.some((x) => x !== old && recordKey(x) === recordKey(r))) continue
          next = served.map((x) => (x === old ? r : x))
          touched = [r]
          removed = [old]
        } else {
          const old = served[o.at % served.length]
          next = served.filter((x) => x !== old)
          touched = [old]
          removed = [old]
        }
        const idx = RecordIndex.build(next, 1)
        const serves = (r: DnsRecord) => idx.lookup(r.name, r.type).some((x) => recordKey(x) === recordKey(r))
        full.recordLocal(next, clockA)
        fast.recordTouched(o.kind, touched, serves, clockB)
        const want = recordSetHash(next)
        hash = updateRecordSetHash(hash, removed, o.kind === 'remove' ? [] : touched)
        if (hash !== want) throw new Error(`incremental hash ${hash} != ${want}`)
        served = next
        const a = shape(full)
        const b = shape(fast)
        if (a.join('\n') !== b.join('\n')) throw new Error(`after ${o.kind}:\nfull:\n${a.join('\n')}\nfast:\n${b.join('\n')}`)
        checked++
      }
    }),
    { seed: 424242, numRuns: Number(process.env.DNSPLANE_FUZZ_RUNS ?? 300) },
  )
  t.ok(checked > 100, `compared ${checked} store writes`)
  t.equal(entryKey(rec('x', 'n', 'v')), 'id:x')
})
