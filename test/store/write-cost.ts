/**
 * A write costs the change (issue #12): a local add/update/remove and a record_lww peer delta never
 * build the record list (RecordSeq.toArray) nor scan it; only whole-list requests do. No timing.
 */
import pino from 'pino'
import t from 'tap'
import { FileRecordStore } from '../../src/store/file-store.js'
import { RecordSeq } from '../../src/store/record-seq.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'
import { serializeRecordsFile } from '../../src/store/records-file.js'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '../helpers/fs.js'

const rec = (i: number): DnsRecord => ({ id: 'id' + i, name: `h${i}.cost.test`, type: 'A', value: '192.0.2.1', ttl: 60, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME })

t.test('local writes and a peer delta build no record list', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'dnsrecords.json')
  await writeFile(path, serializeRecordsFile(Array.from({ length: 5000 }, (_, i) => rec(i)), false))
  const store = await FileRecordStore.open({ path, prettyJson: false, log: pino({ level: 'silent' }), watch: false, flushDelayMs: 600_000 })
  t.teardown(() => store.stop({ flush: false }))
  const built = { n: 0 }
  const toArray = RecordSeq.prototype.toArray
  t.teardown(() => void (RecordSeq.prototype.toArray = toArray))
  RecordSeq.prototype.toArray = function (this: RecordSeq) {
    built.n++
    return toArray.call(this)
  }
  await store.add({ id: 'new', name: 'new.cost.test', type: 'A', value: '192.0.2.9', ttl: 60 })
  await store.update({ id: 'id10', name: 'h10.cost.test', type: 'A', value: '192.0.2.10' })
  await store.update({ name: 'h11.cost.test', type: 'A', value: '192.0.2.1', ttl: 90 })
  await store.remove({ id: 'id20' })
  await store.remove({ name: 'h21.cost.test', type: 'A' })
  await store.applyDelta((index) => ({ removed: [index.findById('id30') as DnsRecord], added: [{ ...rec(9999), id: 'peer' }], replaced: [], lww: ['v'] }), 'replica')
  t.equal(built.n, 0, 'no write built the list')
  const list = store.list()
  t.equal(built.n, 1, 'a whole-list request builds it')
  t.equal(store.list(), list, 'once: it is kept for that generation')
  t.equal(list.length, 5000 + 1 - 2 - 1 + 1)
  t.equal(list.find((r) => r.id === 'id10')?.value, '192.0.2.10')
  t.equal(list.find((r) => r.name === 'h11.cost.test')?.ttl, 90)
  t.notOk(list.some((r) => r.id === 'id20' || r.id === 'id21' || r.id === 'id30'))
  t.equal(list[list.length - 1].id, 'peer', 'added last, in order')
  t.equal(list[list.length - 2].id, 'new')
})
