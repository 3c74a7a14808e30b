/**
 * AnswerSlab: the fast path's responses in one slab plus a byte-keyed open-addressing table of their
 * offsets (linear probing, tombstones, growth, compaction).
 */
import t from 'tap'
import { AnswerSlab, hashKey, MIN_SLAB_BYTES, MIN_TABLE_SLOTS, SLAB_HEADER } from '../../../src/dns/serve/answer-slab.js'

/** A key (name bytes, the last byte apart) and a "response" holding it after a 12-byte header, as the fast path stores it. */
const keyOf = (name: string): Buffer => Buffer.from(name, 'latin1')
const responseOf = (key: Buffer, tail = 'tail'): Buffer =>
  Buffer.concat([Buffer.alloc(12, 0xaa), key.subarray(0, key.length - 1), Buffer.from('-' + tail)])
const add = (slab: AnswerSlab, name: string, id = 0, hash?: number, flags = 0): number => {
  const key = keyOf(name)
  return slab.add(hash ?? hashKey(key, key.length), key, responseOf(key), id, flags)
}
const find = (slab: AnswerSlab, name: string, hash?: number): number => {
  const scratch = Buffer.alloc(300) // longer than the key, as the fast path's scratch buffer
  const n = scratch.write(name, 'latin1')
  return slab.find(hash ?? hashKey(scratch, n), scratch, n)
}

t.test('hashKey is FNV-1a over the given prefix only', async (t) => {
  t.equal(hashKey(Buffer.alloc(0), 0), 0x811c9dc5 | 0)
  t.equal(hashKey(Buffer.from('a'), 1), 0xe40c292c | 0, 'FNV-1a 32 of "a"')
  t.equal(hashKey(Buffer.from('abXYZ'), 2), hashKey(Buffer.from('ab'), 2))
})

t.test('add, find, remove; the header fields; a prefix or a longer key is another key', async (t) => {
  const slab = new AnswerSlab()
  const at = add(slab, 'host1.example', 42, undefined, 5)
  t.equal(at % 4, 0, 'aligned')
  t.equal(find(slab, 'host1.example'), at)
  t.equal(slab.id(at), 42)
  t.equal(slab.flags(at), 5)
  t.equal(slab.keyLength(at), 13)
  t.equal(slab.bodyAt(at), at + SLAB_HEADER)
  const body = slab.bytes.subarray(slab.bodyAt(at), slab.bodyAt(at) + slab.length(at))
  t.equal(body.toString('hex'), responseOf(keyOf('host1.example')).toString('hex'), 'the response bytes as given')
  t.equal(find(slab, 'host1.exampl'), -1)
  t.equal(find(slab, 'host1.examplex'), -1)
  t.equal(find(slab, 'host1.exampld', hashKey(keyOf('host1.example'), 13)), -1, 'same hash, last byte differs')
  t.equal(find(slab, 'host2.example', hashKey(keyOf('host1.example'), 13)), -1, 'same hash, a middle byte differs')
  t.equal(slab.size, 1)
  slab.remove(at)
  t.equal(find(slab, 'host1.example'), -1)
  t.equal(slab.size, 0)
  t.ok(slab.dead > 0, 'its bytes are dead')
  slab.remove(at) // twice: no-op
  t.equal(slab.size, 0)
})

t.test('colliding hashes: the probe walks past other keys and past tombstones', async (t) => {
  const slab = new AnswerSlab()
  const [, y] = ['x', 'y', 'z'].map((n) => add(slab, n, 0, 7))
  t.equal(slab.id(find(slab, 'z', 7)), 0)
  t.ok(find(slab, 'z', 7) >= 0)
  slab.remove(y)
  t.ok(find(slab, 'z', 7) >= 0, 'found past the tombstone of y')
  t.equal(find(slab, 'y', 7), -1)
  t.equal(find(slab, 'w', 7), -1)
  add(slab, 'y', 0, 7)
  t.ok(find(slab, 'y', 7) >= 0)
  // a hash in the last slot wraps around to the first
  add(slab, 'last', 0, MIN_TABLE_SLOTS - 1)
  const wrap = add(slab, 'wrap', 0, MIN_TABLE_SLOTS - 1)
  t.equal(find(slab, 'wrap', MIN_TABLE_SLOTS - 1), wrap)
  slab.remove(wrap)
  t.equal(find(slab, 'wrap', MIN_TABLE_SLOTS - 1), -1)
})

t.test('grows the slab and the table, keeps offsets, drops tombstones when rehashing; compacts', async (t) => {
  const slab = new AnswerSlab()
  const names = Array.from({ length: 5 * MIN_TABLE_SLOTS }, (_, i) => `host${i}.bench.test`)
  const at = new Map(names.map((n, i) => [n, add(slab, n, i)]))
  t.equal(slab.size, names.length)
  t.ok(slab.bytes.length > MIN_SLAB_BYTES, 'the slab grew')
  t.ok(names.every((n) => find(slab, n) === at.get(n)), 'every key found at its offset after growing')
  // churn: remove and re-add many times; tombstones must not fill the table (the probe would never end)
  for (let round = 0; round < 4; round++) {
    for (const n of names.slice(0, 2 * MIN_TABLE_SLOTS)) slab.remove(at.get(n) as number)
    for (const n of names.slice(0, 2 * MIN_TABLE_SLOTS)) at.set(n, add(slab, n, names.indexOf(n)))
  }
  t.equal(slab.size, names.length)
  t.ok(names.every((n) => find(slab, n) === at.get(n)), 'every key found after churn')
  const dead = slab.dead
  t.ok(dead > 0)
  const moved = new Map<number, number>()
  const next = slab.compact([...at].map(([n, a]) => ({ id: names.indexOf(n), at: a })), (id, a) => moved.set(id, a))
  t.equal(next.dead, 0)
  t.equal(next.usedBytes, slab.usedBytes - dead, 'only the live bytes moved')
  t.equal(moved.size, names.length)
  t.ok(names.every((n, i) => find(next, n) === moved.get(i) && next.id(moved.get(i) as number) === i), 'every key found at its new offset')
  const body = (s: AnswerSlab, a: number) => s.bytes.subarray(s.bodyAt(a), s.bodyAt(a) + s.length(a)).toString('hex')
  t.equal(body(next, moved.get(7) as number), body(slab, at.get(names[7]) as number), 'bytes moved intact')
})

t.test('a stored name in any letter case matches the lower-cased key; type and flag bytes compare exactly', async (t) => {
  const slab = new AnswerSlab()
  // name bytes, then a 2-byte type and the flag byte: \x00\x41 (type 65) must not match \x00\x61 (type 97)
  const name = '\x04host\x00\x00\x41\x01'
  const hash = hashKey(keyOf(name), name.length)
  const at = add(slab, name, 0, hash)
  slab.bytes.write('HoST', slab.bodyAt(at) + 12 + 1, 'latin1') // the fast path patches a client's case into its bytes
  t.equal(find(slab, name, hash), at, 'upper-case stored letters fold')
  t.equal(find(slab, '\x04hosu\x00\x00\x41\x01', hash), -1, 'another letter does not')
  t.equal(find(slab, '\x04host\x00\x00\x61\x01', hash), -1, 'type bytes are not folded')
  t.equal(find(slab, '\x04host\x00\x00\x41\x02', hash), -1, 'the flag byte differs')
  const bracket = '\x04ho[t\x00\x00\x01\x00'
  const bh = hashKey(keyOf(bracket), bracket.length)
  add(slab, bracket, 1, bh)
  t.equal(find(slab, '\x04ho{t\x00\x00\x01\x00', bh), -1, '[ is no letter: not folded to {')
})
