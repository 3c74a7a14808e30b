/**
 * Property (#12): random interleavings of writes (single and concurrent), flushes, crashes (the
 * journal cut inside its last entry or at any byte offset; crashes inside a flush, before or after
 * the rename) and restarts always recover exactly the state after the last whole journal entry
 * before the cut: an acknowledged change whose bytes survive is never lost, a cut one is never
 * half-applied, and nothing is applied twice.
 * Bounded in CI; DNSPLANE_FUZZ_RUNS=<n> and DNSPLANE_FUZZ_SEED=random explore further.
 */
import { readFile, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import fc from 'fast-check'
import pino from 'pino'
import t from 'tap'
import { writeFileAtomic } from '../../src/store/atomic-write.js'
import { FileRecordStore } from '../../src/store/file-store.js'
import { encodeEntry } from '../../src/store/journal/codec.js'
import type { SnapshotHook } from '../../src/store/journal/records-journal.js'
import { recordToJson } from '../../src/store/record-json.js'
import type { DnsRecord } from '../../src/store/record.js'
import { tempDir } from '../helpers/fs.js'

const RUNS = Number(process.env.DNSPLANE_FUZZ_RUNS) || 25
const SEED = process.env.DNSPLANE_FUZZ_SEED === 'random' ? undefined : Number(process.env.DNSPLANE_FUZZ_SEED) || 20261128

type Cmd =
  | { kind: 'add'; n: number }
  | { kind: 'burst'; ns: number[] }
  | { kind: 'ttl'; n: number; ttl: number }
  | { kind: 'rename'; n: number }
  | { kind: 'remove'; n: number }
  | { kind: 'flush' }
  | { kind: 'restart' }
  | { kind: 'crash'; where: 'none' | 'last' | 'any'; at: number }
  | { kind: 'crash-in-flush'; afterRename: boolean }
  | { kind: 'busy-flush'; before: number; inside: number; crash: 'none' | 'before' | 'after' }

const n = fc.integer({ min: 0, max: 7 })
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: n.map((n) => ({ kind: 'add' as const, n })) },
  { weight: 2, arbitrary: fc.array(n, { minLength: 2, maxLength: 6 }).map((ns) => ({ kind: 'burst' as const, ns })) },
  { weight: 2, arbitrary: fc.record({ n, ttl: fc.integer({ min: 1, max: 9999 }) }).map((c) => ({ kind: 'ttl' as const, ...c })) },
  { weight: 1, arbitrary: n.map((n) => ({ kind: 'rename' as const, n })) },
  { weight: 2, arbitrary: n.map((n) => ({ kind: 'remove' as const, n })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  { weight: 3, arbitrary: fc.record({ where: fc.constantFrom('none' as const, 'last' as const, 'any' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }).map((c) => ({ kind: 'crash' as const, ...c })) },
  { weight: 1, arbitrary: fc.boolean().map((afterRename) => ({ kind: 'crash-in-flush' as const, afterRename })) },
  // Writes acknowledged while a flush writes its snapshot: issued with it, and inside its rename step (after its marker).
  {
    weight: 3,
    arbitrary: fc
      .record({ before: fc.integer({ min: 0, max: 3 }), inside: fc.integer({ min: 0, max: 3 }), crash: fc.constantFrom('none' as const, 'none' as const, 'before' as const, 'after' as const) })
      .map((c) => ({ kind: 'busy-flush' as const, ...c })),
  },
)

const asJson = (rs: readonly DnsRecord[]) => JSON.stringify(rs.map(recordToJson))

/** The journal since its last reset: where each acknowledged state ends, in bytes. */
interface Acked {
  end: number
  json: string
}

async function runScenario(dir: string, cmds: Cmd[]): Promise<string | undefined> {
  const path = join(dir, 'dnsrecords.json')
  const jpath = `${path}.journal`
  await writeFile(path, '{"records":[]}')
  let ids = 0
  let crashFlush: 'off' | 'before' | 'after' = 'off'
  let busy = 0
  let inside = 0
  const busyAdd = () => {
    const k = ++busy
    return store.add({ name: `w${k}.example`, type: 'A', value: `203.0.113.${(k % 250) + 1}`, ttl: 60 })
  }
  let before = 0
  const writeSnapshot: SnapshotHook = async (p: string, text: string) => {
    // Called once the flush marker is durable, before the rename: these writes follow the marker in the journal.
    const n = inside
    inside = 0
    for (let i = 0; i < n; i++) await busyAdd()
    if (crashFlush === 'after') await writeFileAtomic(p, text)
    if (crashFlush !== 'off') throw new Error('crash')
    await writeFileAtomic(p, text)
  }
  // Called once the snapshot's text is made, before its marker: these writes land between its generation and the marker.
  writeSnapshot.prepared = async () => {
    const n = before
    before = 0
    for (let i = 0; i < n; i++) await busyAdd()
  }
  const openStore = () =>
    FileRecordStore.open({
      path, prettyJson: false, log: pino({ level: 'silent' }), watch: false, flushDelayMs: 600_000, writeSnapshot,
      newId: () => `id-${++ids}`,
    })
  let store = await openStore()
  const size = async () => (await stat(jpath)).size
  let acked: Acked[] = [{ end: await size(), json: asJson(store.list()) }]
  const target = (k: number): DnsRecord | undefined => store.list()[k % Math.max(1, store.list().length)]
  const afterWrite = async () => {
    const end = await size()
    if (end !== acked[acked.length - 1].end) acked.push({ end, json: asJson(store.list()) })
  }
  const reopen = async () => {
    store = await openStore()
    acked = [{ end: await size(), json: asJson(store.list()) }]
  }
  for (const c of cmds) {
    switch (c.kind) {
      case 'add':
        await store.add({ name: `h${c.n}.example`, type: 'A', value: `192.0.2.${c.n + 1}`, ttl: 60 })
        await afterWrite()
        break
      case 'burst': {
        const before = store.list().length
        await Promise.all(c.ns.map((k) => store.add({ name: `b${k}.example`, type: 'A', value: `198.51.100.${k + 1}`, ttl: 60 })))
        // One entry per record actually added, in call order: rebuild each intermediate state.
        const list = store.list()
        let end = acked[acked.length - 1].end
        for (let i = before; i < list.length; i++) {
          end += encodeEntry({ op: 'add', records: [list[i]] }).length
          acked.push({ end, json: asJson(list.slice(0, i + 1)) })
        }
        if (end !== (await size())) return `burst: journal is ${await size()} bytes, expected ${end}`
        break
      }
      case 'ttl': {
        const r = target(c.n)
        if (r) await store.update({ name: r.name, type: r.type, value: r.value, ttl: c.ttl })
        await afterWrite()
        break
      }
      case 'rename': {
        const r = target(c.n)
        if (r?.id) await store.update({ id: r.id, name: `renamed-${r.id}.example`, type: r.type, value: r.value })
        await afterWrite()
        break
      }
      case 'remove': {
        const r = target(c.n)
        if (r) await store.remove({ name: r.name })
        await afterWrite()
        break
      }
      case 'flush':
        await store.flush()
        acked = [{ end: await size(), json: asJson(store.list()) }]
        break
      case 'restart': {
        const want = asJson(store.list())
        await store.stop()
        await reopen()
        if (asJson(store.list()) !== want) return `restart: ${asJson(store.list())} != ${want}`
        break
      }
      case 'crash': {
        await store.stop({ flush: false })
        const full = await size()
        const lastStart = acked.length > 1 ? acked[acked.length - 2].end : 0
        const cut = c.where === 'none' ? full : Math.floor((c.where === 'last' ? lastStart : 0) + c.at * (full - (c.where === 'last' ? lastStart : 0)))
        await truncate(jpath, cut)
        const whole = acked.filter((a) => a.end <= cut)
        const want = (whole[whole.length - 1] ?? acked[0]).json
        await reopen()
        if (asJson(store.list()) !== want) return `crash cut at ${cut}/${full}: got ${asJson(store.list())}, want ${want}`
        break
      }
      case 'crash-in-flush': {
        const want = asJson(store.list())
        crashFlush = c.afterRename ? 'after' : 'before'
        const failed = await store.flush().then(() => false, () => true)
        crashFlush = 'off'
        await store.stop({ flush: false })
        if (!failed && acked.length > 1) return 'the injected flush crash did not fail the flush'
        await reopen()
        if (asJson(store.list()) !== want) return `crash in flush (${crashFlush}): got ${asJson(store.list())}, want ${want}`
        break
      }
      case 'busy-flush': {
        await busyAdd() // something to flush
        inside = c.inside
        crashFlush = c.crash === 'none' ? 'off' : c.crash
        before = c.before
        const flushed = await store.flush().then(() => true, () => false)
        crashFlush = 'off'
        inside = 0
        before = 0
        if (c.crash !== 'none') {
          if (flushed) return 'the injected flush crash did not fail the flush'
          const want = asJson(store.list())
          await store.stop({ flush: false })
          await reopen()
          if (asJson(store.list()) !== want) return `crash in a busy flush (${c.crash}): got ${asJson(store.list())}, want ${want}`
          break
        }
        // The journal is now its base entry and the writes the snapshot does not hold, oldest first: the last k adds.
        const list = store.list()
        const baseLen = encodeEntry({ op: 'base', format: 1, snapshot_sha256: '0'.repeat(64) }).length
        const ends: number[] = []
        let end = await size()
        for (let k = list.length - 1; end > baseLen && k >= 0; k--) {
          ends.unshift(end)
          end -= encodeEntry({ op: 'add', records: [list[k]] }).length
        }
        if (end !== baseLen) return `after a busy flush the journal (${await size()} bytes) is not its base entry and the last adds`
        const kept = list.length - ends.length
        acked = [{ end: baseLen, json: asJson(list.slice(0, kept)) }, ...ends.map((e, i) => ({ end: e, json: asJson(list.slice(0, kept + i + 1)) }))]
        break
      }
    }
  }
  await store.stop()
  const final = asJson(store.list())
  const onDisk = await readFile(path, 'utf8')
  return asJson(JSON.parse(onDisk).records) === final ? undefined : 'the file after a clean stop is not the state served'
}

t.test('recovery after any interleaving of writes, flushes, crashes and restarts is exactly the acknowledged prefix', async (t) => {
  let run = 0
  await fc.assert(
    fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 25 }), async (cmds) => {
      const dir = await tempDir(t, `dnsplane-crash-${run++}-`)
      const problem = await runScenario(dir, cmds)
      if (problem) throw new Error(problem)
    }),
    { numRuns: RUNS, seed: SEED },
  )
  t.pass(`${RUNS} scenarios`)
})
