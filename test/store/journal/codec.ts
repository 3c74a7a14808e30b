import { crc32 as zlibCrc32 } from 'node:zlib'
import t from 'tap'
import {
  crc32,
  decodeJournal,
  encodeEntry,
  FRAME_HEADER_BYTES,
  JOURNAL_FORMAT,
  MAX_JOURNAL_ENTRY_BYTES,
  type JournalEntry,
} from '../../../src/store/journal/codec.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'

const SHA_A = 'a'.repeat(64)
const SHA_B = 'b'.repeat(64)
const rec = (name: string, value: string, extra: Partial<DnsRecord> = {}): DnsRecord => ({
  name, type: 'A', value, ttl: 60, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME, ...extra,
})
const ENTRIES: JournalEntry[] = [
  { op: 'base', format: JOURNAL_FORMAT, snapshot_sha256: SHA_A },
  { op: 'add', records: [rec('a.example', '192.0.2.1', { id: 'id-1', mac: 'm', cache_record: true })] },
  { op: 'update', at: [0], records: [rec('a.example', '192.0.2.1', { id: 'id-1', ttl: 120 })] },
  { op: 'delete', at: [0], records: [rec('a.example', '192.0.2.1', { id: 'id-1', ttl: 120 })] },
  { op: 'flush', snapshot_sha256: SHA_B },
  { op: 'flush', snapshot_sha256: SHA_A, from: 12 },
]
const journal = (entries: JournalEntry[]) => Buffer.concat(entries.map(encodeEntry))

/** A frame with a valid length and checksum around an arbitrary payload. */
function frame(payload: string): Buffer {
  const p = Buffer.from(payload)
  const h = Buffer.alloc(FRAME_HEADER_BYTES)
  h.writeUInt32BE(p.length, 0)
  h.writeUInt32BE(crc32(p), 4)
  return Buffer.concat([h, p])
}

t.test('crc32 is IEEE CRC-32, the table fallback agrees with zlib', async (t) => {
  t.equal(crc32(Buffer.from('123456789')), 0xcbf43926, 'the standard check value')
  t.equal(crc32(Buffer.from('123456789'), false), 0xcbf43926)
  for (const s of ['', 'a', 'dnsplane journal', '\u00ff'.repeat(300)]) {
    t.equal(crc32(Buffer.from(s), false), zlibCrc32(Buffer.from(s)), JSON.stringify(s.slice(0, 10)))
  }
})

t.test('a frame is length, CRC-32 and the JSON payload (golden bytes)', async (t) => {
  const f = encodeEntry({ op: 'flush', snapshot_sha256: SHA_B })
  const payload = `{"op":"flush","snapshot_sha256":"${SHA_B}"}`
  t.equal(f.readUInt32BE(0), payload.length)
  t.equal(f.readUInt32BE(4), zlibCrc32(Buffer.from(payload)))
  t.equal(f.subarray(8).toString(), payload)
  t.equal(f.subarray(0, 8).toString('hex'), '00000063' + '7119804c', 'length 99, CRC-32 0x7119804c')
})

t.test('every entry type round-trips through the record codec', async (t) => {
  const d = decodeJournal(journal(ENTRIES))
  t.same(d.entries, ENTRIES)
  t.equal(d.validBytes, journal(ENTRIES).length)
  t.equal(d.tail, undefined)
  t.same(decodeJournal(new Uint8Array(0)), { entries: [], offsets: [], validBytes: 0 }, 'an empty journal')
})

t.test('a cut at every byte offset of the last entry keeps exactly the entries before it', async (t) => {
  const bytes = journal(ENTRIES)
  const prefix = journal(ENTRIES.slice(0, -1)).length
  for (let cut = prefix; cut < bytes.length; cut++) {
    const d = decodeJournal(bytes.subarray(0, cut))
    if (d.entries.length !== ENTRIES.length - 1 || d.validBytes !== prefix || (cut > prefix && d.tail !== 'torn')) {
      t.fail(`cut at ${cut}: ${JSON.stringify({ n: d.entries.length, valid: d.validBytes, tail: d.tail })}`)
      return
    }
  }
  t.equal(decodeJournal(bytes.subarray(0, prefix + 3)).reason, 'incomplete frame header')
  t.equal(decodeJournal(bytes.subarray(0, prefix + 9)).reason, 'incomplete frame payload')
  t.equal(decodeJournal(bytes.subarray(0, prefix)).tail, undefined, 'a cut on a frame boundary drops nothing')
})

t.test('corruption stops the decode at the damaged frame', async (t) => {
  const head = journal(ENTRIES.slice(0, 2))
  const cases: Array<[string, Buffer, string]> = [
    ['a flipped payload byte', (() => { const b = Buffer.from(journal(ENTRIES.slice(0, 3))); b[head.length + 12] ^= 1; return b })(), 'checksum mismatch'],
    ['a length over the bound', Buffer.concat([head, Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])]), `frame length 4294967295 exceeds ${MAX_JOURNAL_ENTRY_BYTES}`],
    ['a payload that is not JSON', Buffer.concat([head, frame('{oops')]), 'payload is not JSON'],
    ['a payload that is not an object', Buffer.concat([head, frame('[1]')]), 'entry is not an object'],
    ['an unknown op', Buffer.concat([head, frame('{"op":"truncate"}')]), 'unknown entry op "truncate"'],
    ['a second base', Buffer.concat([head, encodeEntry(ENTRIES[0])]), 'base entry after the start'],
    ['a flush without hash', Buffer.concat([head, frame('{"op":"flush","snapshot_sha256":"x"}')]), 'flush entry without snapshot_sha256'],
    ['a flush with a negative offset', Buffer.concat([head, frame(`{"op":"flush","snapshot_sha256":"${SHA_A}","from":-1}`)]), 'flush entry with an invalid offset'],
    ['an add without records', Buffer.concat([head, frame('{"op":"add","records":[]}')]), 'entry without records'],
    ['an invalid record', Buffer.concat([head, frame('{"op":"add","records":[{"name":"a","type":"A","value":"x"}]}')]), 'invalid record in entry (value: '],
    ['positions not matching the records', Buffer.concat([head, frame(`{"op":"delete","at":[0,1],"records":[${JSON.stringify(rec('a', '192.0.2.1'))}]}`)]), 'delete entry with invalid positions'],
    ['a negative position', Buffer.concat([head, frame(`{"op":"update","at":[-1],"records":[${JSON.stringify(rec('a', '192.0.2.1'))}]}`)]), 'update entry with invalid positions'],
  ]
  for (const [what, bytes, reason] of cases) {
    const d = decodeJournal(bytes)
    t.equal(d.tail, 'corrupt', what)
    t.equal(d.validBytes, head.length, `${what}: the valid prefix is kept`)
    t.equal(d.entries.length, 2, what)
    t.match(d.reason, reason, what)
  }
})

t.test('a journal must open with a supported base entry', async (t) => {
  t.match(decodeJournal(encodeEntry(ENTRIES[1])), { entries: [], validBytes: 0, tail: 'corrupt', reason: 'journal does not start with a base entry' })
  t.match(decodeJournal(frame(`{"op":"base","format":2,"snapshot_sha256":"${SHA_A}"}`)), { tail: 'corrupt', reason: 'unknown journal format 2' })
  t.match(decodeJournal(frame('{"op":"base","format":1}')), { tail: 'corrupt', reason: 'base entry without snapshot_sha256' })
})

t.test('an entry over MAX_JOURNAL_ENTRY_BYTES is refused before it is written', async (t) => {
  t.throws(() => encodeEntry({ op: 'add', records: [rec('big.example', 'x'.repeat(MAX_JOURNAL_ENTRY_BYTES))] }), RangeError)
})
