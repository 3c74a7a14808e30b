/**
 * UpdateHandler on a real journaled FileRecordStore: one UPDATE message is one journal entry holding
 * its delta (not a rewrite of dnsrecords.json), served through an index that carries the delta (so the
 * DNS tree and the zone tracker follow it at its cost), and replayed after a restart.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import pino from 'pino'
import t from 'tap'
import { UpdateHandler } from '../../../src/dns/update/update-handler.js'
import { FileRecordStore } from '../../../src/store/file-store.js'
import { decodeJournal } from '../../../src/store/journal/codec.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'
import type { RecordChange } from '../../../src/store/record-store.js'
import { buildKeyring } from '../../../src/dns/tsig/keyring.js'
import { tempDir } from '../../helpers/fs.js'
import { ANY, NONE, updateMessage } from '../../helpers/update-message.js'

const rec = (name: string, type: string, value: string): DnsRecord => ({ id: `seed-${name}-${type}-${value}`, name, type, value, ttl: 300, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME })
const SEED = [
  rec('example.test', 'SOA', 'ns1.example.test. h.example.test. 1 3600 900 604800 300'),
  rec('example.test', 'NS', 'ns1.example.test.'),
  rec('old.example.test', 'A', '192.0.2.9'),
  rec('keep.example.test', 'A', '192.0.2.8'),
]

async function open(path: string) {
  let n = 0
  return FileRecordStore.open({
    path, prettyJson: false, log: pino({ level: 'silent' }), watch: false, flushDelayMs: 600_000, seedRecords: SEED,
    newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  })
}

function handler(store: FileRecordStore) {
  return new UpdateHandler({
    store, keyring: buildKeyring([], () => ''), allowedNetworks: ['127.0.0.0/8'], localWritesAllowed: () => ({ ok: true }),
    newRecord: (v) => store.newRecord(v), stamp: () => '2026-01-01T00:00:00Z', now: Date.now, log: pino({ level: 'silent' }),
  })
}

t.test('one UPDATE = one journal entry with its delta; the file is not rewritten; a restart replays it', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  const store = await open(path)
  const fileBefore = await readFile(path, 'utf8')
  const changes: RecordChange[] = []
  store.onChange((c) => changes.push(c))
  const before = store.index
  const msg = updateMessage('example.test', [{ name: 'keep.example.test', type: 'A', rrClass: ANY }], [
    { name: 'a.example.test', type: 'A', value: '192.0.2.1', ttl: 60 },
    { name: 'b.example.test', type: 'A', value: '192.0.2.2', ttl: 60 },
    { name: 'old.example.test', type: 'A', rrClass: NONE, value: '192.0.2.9' },
    { name: 'keep.example.test', type: 'A', value: '192.0.2.8', ttl: 30 },
    { name: 'nothing.example.test', type: 'ANY', rrClass: ANY },
  ])
  const { reply, report } = await handler(store).handle(msg, '127.0.0.1')
  t.equal(reply[3] & 0x0f, 0, 'NOERROR')
  t.match(report, { added: 2, removed: 1 })
  t.equal(await readFile(path, 'utf8'), fileBefore, 'dnsrecords.json is not rewritten per UPDATE (the journal holds it)')
  const entries = decodeJournal(await readFile(`${path}.journal`)).entries
  t.same(entries.map((e) => e.op), ['base', 'batch'], 'the whole message is one journal entry')
  const batch = entries[1]
  if (batch.op !== 'batch') throw new Error('not a batch')
  t.same(batch.entries.map((e) => [e.op, e.records.map((r) => `${r.name} ${r.value} ${r.ttl}`)]), [
    ['delete', ['old.example.test 192.0.2.9 300']],
    ['update', ['keep.example.test 192.0.2.8 30']],
    ['add', ['a.example.test 192.0.2.1 60', 'b.example.test 192.0.2.2 60']],
  ])
  t.equal(changes.length, 1, 'one change event')
  const last = changes[0].index.deltas.at(-1)
  t.equal(last?.from, before.uid, 'the served index carries the delta from the one before (followed at its cost)')
  t.same([last?.removed.length, last?.replaced.length, last?.added.length], [1, 1, 2])
  await store.stop({ flush: false })

  const again = await open(path)
  t.teardown(() => again.stop({ flush: false }))
  t.same(again.list().map((r) => `${r.name} ${r.ttl}`), ['example.test 300', 'example.test 300', 'keep.example.test 30', 'a.example.test 60', 'b.example.test 60'], 'replayed after a restart')
  const ops = async () => decodeJournal(await readFile(`${path}.journal`)).entries.map((e) => e.op)
  const opsBefore = await ops()
  const none = await handler(again).handle(updateMessage('example.test', [], [{ name: 'a.example.test', type: 'A', value: '192.0.2.1', ttl: 60 }]), '127.0.0.1')
  t.equal(none.reply[3] & 0x0f, 0)
  t.same(await ops(), opsBefore, 'an UPDATE that changes nothing writes nothing')
})
