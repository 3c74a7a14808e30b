/**
 * KeyTable: the fast path's byte-keyed index (open addressing, linear probing, tombstones).
 */
import t from 'tap'
import { hashKey, KeyTable, MIN_TABLE_SLOTS, type Keyed } from '../../../src/dns/serve/key-table.js'

interface Entry extends Keyed {
  name: string
}
const entry = (name: string, hash?: number): Entry => {
  const bytes = Buffer.from(name, 'latin1')
  // the key inside a larger buffer, its last byte kept apart (as the fast path stores it)
  const key = Buffer.concat([Buffer.from('prefix'), bytes.subarray(0, bytes.length - 1), Buffer.from('-')])
  return { name, key, keyAt: 6, keyLength: bytes.length, keyLast: bytes[bytes.length - 1], hash: hash ?? hashKey(bytes, bytes.length) }
}
const get = (table: KeyTable<Entry>, name: string, hash?: number): string | undefined => {
  const scratch = Buffer.alloc(300) // longer than the key, as the fast path's scratch buffer
  const n = scratch.write(name, 'latin1')
  return table.get(hash ?? hashKey(scratch, n), scratch, n)?.name
}

t.test('hashKey is FNV-1a over the given prefix only', async (t) => {
  t.equal(hashKey(Buffer.alloc(0), 0), 0x811c9dc5 | 0)
  t.equal(hashKey(Buffer.from('a'), 1), 0xe40c292c | 0, 'FNV-1a 32 of "a"')
  t.equal(hashKey(Buffer.from('abXYZ'), 2), hashKey(Buffer.from('ab'), 2))
})

t.test('add, get, delete; a prefix or a longer key is another key', async (t) => {
  const table = new KeyTable<Entry>()
  const a = entry('host1.example')
  table.add(a)
  t.equal(get(table, 'host1.example'), 'host1.example')
  t.equal(get(table, 'host1.exampl'), undefined)
  t.equal(get(table, 'host1.examplex'), undefined)
  t.equal(get(table, 'host1.exampld', hashKey(Buffer.from('host1.example'), 13)), undefined, 'same hash, last byte differs')
  t.equal(get(table, 'host2.example', hashKey(Buffer.from('host1.example'), 13)), undefined, 'same hash, a middle byte differs')
  t.equal(table.size, 1)
  table.delete(entry('host1.example')) // an equal key, but not the stored object: no-op
  t.equal(table.size, 1)
  table.delete(a)
  t.equal(get(table, 'host1.example'), undefined)
  t.equal(table.size, 0)
  table.delete(a) // twice: no-op
  t.equal(table.size, 0)
})

t.test('colliding hashes: the probe walks past other keys and past tombstones', async (t) => {
  const table = new KeyTable<Entry>()
  const [x, y, z] = ['x', 'y', 'z'].map((n) => entry(n, 7))
  for (const e of [x, y, z]) table.add(e)
  t.equal(get(table, 'z', 7), 'z')
  table.delete(y)
  t.equal(get(table, 'z', 7), 'z', 'found past the tombstone of y')
  t.equal(get(table, 'y', 7), undefined)
  t.equal(get(table, 'w', 7), undefined)
  table.add(entry('y', 7))
  t.equal(get(table, 'y', 7), 'y')
  // a hash in the last slot wraps around to the first
  const last = entry('last', MIN_TABLE_SLOTS - 1)
  const wrap = entry('wrap', MIN_TABLE_SLOTS - 1)
  table.add(last)
  table.add(wrap)
  t.equal(get(table, 'wrap', MIN_TABLE_SLOTS - 1), 'wrap')
  table.delete(wrap)
  t.equal(get(table, 'wrap', MIN_TABLE_SLOTS - 1), undefined)
})

t.test('grows past half full, drops tombstones when rebuilding, and clears', async (t) => {
  const table = new KeyTable<Entry>()
  const all = Array.from({ length: 5 * MIN_TABLE_SLOTS }, (_, i) => entry(`host${i}.bench.test`))
  for (const e of all) table.add(e)
  t.equal(table.size, all.length)
  t.ok(all.every((e) => get(table, e.name) === e.name), 'every key found after growing')
  // churn: delete and re-add many times; tombstones must not fill the table (the probe would never end)
  for (let round = 0; round < 4; round++) {
    for (const e of all.slice(0, 2 * MIN_TABLE_SLOTS)) table.delete(e)
    for (const e of all.slice(0, 2 * MIN_TABLE_SLOTS)) table.add(e)
  }
  t.equal(table.size, all.length)
  t.ok(all.every((e) => get(table, e.name) === e.name), 'every key found after churn')
  table.clear()
  t.equal(table.size, 0)
  t.equal(get(table, all[0].name), undefined)
})

t.test('a stored name in any letter case matches the lower-cased key; type and flag bytes compare exactly', async (t) => {
  const table = new KeyTable<Entry>()
  // name bytes, then a 2-byte type and the flag byte: \x00\x41 (type 65) must not match \x00\x61 (type 97)
  const stored = entry('\x04host\x00\x00\x41\x01')
  table.add(stored)
  Buffer.from(stored.key.buffer, stored.key.byteOffset, stored.key.length).write('HoST', stored.keyAt + 1, 'latin1') // the fast path patches a client's case into its bytes
  t.equal(get(table, '\x04host\x00\x00\x41\x01', stored.hash), stored.name, 'upper-case stored letters fold')
  t.equal(get(table, '\x04hosu\x00\x00\x41\x01', stored.hash), undefined, 'another letter does not')
  t.equal(get(table, '\x04host\x00\x00\x61\x01', stored.hash), undefined, 'type bytes are not folded')
  t.equal(get(table, '\x04host\x00\x00\x41\x02', stored.hash), undefined, 'the flag byte differs')
  const bracket = entry('\x04ho[t\x00\x00\x01\x00')
  table.add(bracket)
  t.equal(get(table, '\x04ho{t\x00\x00\x01\x00', bracket.hash), undefined, '[ is no letter: not folded to {')
})
