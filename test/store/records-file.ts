import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import t from 'tap'
import { isDnsplaneError } from '../../src/errors.js'
import { GO_ZERO_TIME } from '../../src/store/record.js'
import {
  DEFAULT_RECORDS,
  MAX_RECORDS,
  MAX_RECORDS_FILE_BYTES,
  parseRecordList,
  parseRecordsFile,
  serializeRecordsFile,
  stringifyGo,
} from '../../src/store/records-file.js'

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/store/${name}`, import.meta.url), 'utf8')

t.test('reads {"records":null} and a missing member as an empty set', async (t) => {
  t.same(parseRecordsFile('{"records":null}'), [])
  t.same(parseRecordsFile('{}'), [])
  t.same(parseRecordsFile('{"records":[]}'), [])
})

t.test('fills missing, null and empty time keys with the Go zero time', async (t) => {
  const [r] = parseRecordsFile('{"records":[{"name":"a","type":"A","value":"192.0.2.1","ttl":1,"added_on":"","updated_on":null}]}')
  t.equal(r.added_on, GO_ZERO_TIME)
  t.equal(r.updated_on, GO_ZERO_TIME)
  t.equal(r.last_query, GO_ZERO_TIME)
})

t.test('canonicalises names, upper-cases types, keeps value and times verbatim', async (t) => {
  const [r] = parseRecordsFile(
    '{"records":[{"name":" WWW.Example.com.. ","type":"cname","value":"Target.example.com.","ttl":5,"added_on":"2025-01-01T10:00:00.5+01:00"}]}',
  )
  t.equal(r.name, 'WWW.Example.com')
  t.equal(r.type, 'CNAME')
  t.equal(r.value, 'Target.example.com.')
  t.equal(r.added_on, '2025-01-01T10:00:00.5+01:00')
  t.notOk('id' in r)
})

t.test('treats missing ttl as 0 and drops empty id/mac and false cache_record', async (t) => {
  const [r] = parseRecordsFile('{"records":[{"id":"","name":"a","type":"A","value":"192.0.2.1","mac":"","cache_record":false}]}')
  t.same(r, { name: 'a', type: 'A', value: '192.0.2.1', ttl: 0, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME })
})

const badShapes: [string, string, RegExp][] = [
  ['not JSON', '{"records":[', /file: is not valid JSON/],
  ['top level array', '[]', /file: must be a JSON object/],
  ['records not an array', '{"records":{}}', /^records: must be an array or null/],
  ['record not an object', '{"records":[1]}', /^records\[0\]: must be an object/],
  ['name missing', '{"records":[{"type":"A","value":"192.0.2.1"}]}', /^records\[0\]\.name: is required/],
  ['type a number', '{"records":[{"name":"a","type":1,"value":"x"}]}', /^records\[0\]\.type: must be a string/],
  [
    'negative ttl at index 3',
    `{"records":[${Array(3).fill('{"name":"a","type":"A","value":"192.0.2.1"}').join(',')},{"name":"a","type":"A","value":"192.0.2.1","ttl":-1}]}`,
    /^records\[3\]\.ttl: must be an integer 0\.\.4294967295$/,
  ],
  ['ttl too large', '{"records":[{"name":"a","type":"A","value":"192.0.2.1","ttl":4294967296}]}', /records\[0\]\.ttl: must be an integer/],
  ['fractional ttl', '{"records":[{"name":"a","type":"A","value":"192.0.2.1","ttl":1.5}]}', /records\[0\]\.ttl: must be an integer/],
  ['ttl as string', '{"records":[{"name":"a","type":"A","value":"192.0.2.1","ttl":"60"}]}', /records\[0\]\.ttl: must be an integer/],
  ['time not RFC 3339', '{"records":[{"name":"a","type":"A","value":"192.0.2.1","added_on":"yesterday"}]}', /records\[0\]\.added_on: must be an RFC 3339 time/],
  ['cache_record a string', '{"records":[{"name":"a","type":"A","value":"192.0.2.1","cache_record":"yes"}]}', /records\[0\]\.cache_record: must be a boolean/],
  ['value too long', `{"records":[{"name":"a","type":"TXT","value":"${'x'.repeat(65536)}"}]}`, /records\[0\]\.value: must be at most 65535/],
]
for (const [label, text, want] of badShapes) {
  t.test(`rejects ${label} with ERR_RECORDS_PARSE naming index and field`, async (t) => {
    let caught: unknown
    try {
      parseRecordsFile(text)
    } catch (err) {
      caught = err
    }
    t.ok(isDnsplaneError(caught, 'ERR_RECORDS_PARSE'), 'ERR_RECORDS_PARSE')
    t.match((caught as Error).message, want)
  })
}

t.test('refuses text larger than MAX_RECORDS_FILE_BYTES before parsing', async (t) => {
  const fake = { length: MAX_RECORDS_FILE_BYTES + 1 } as unknown as string
  t.throws(() => parseRecordsFile(fake), /larger than the limit/)
})

t.test('refuses more than MAX_RECORDS records and accepts exactly the limit', async (t) => {
  const one = { name: 'a', type: 'A', value: '192.0.2.1' }
  t.throws(() => parseRecordList(new Array(MAX_RECORDS + 1).fill(one)), /more than the limit of 2000000/)
  // Exactly the limit passes the count check and goes on to the records (the first one is refused
  // here): decoding two million valid records proved no more than the loop below and took 30 s on CI.
  const atLimit = new Array(MAX_RECORDS).fill(one)
  atLimit[0] = 'not a record'
  t.throws(() => parseRecordList(atLimit), /^records\[0\]: must be an object/)
  t.throws(() => parseRecordList([...atLimit.slice(0, 1000), 'x'].fill(one, 0, 1000)), /^records\[1000\]: /, 'every record before the bad one was accepted')
  t.equal(parseRecordList(new Array(1000).fill(one)).length, 1000)
})

t.test('round-trips a Go-written compact file byte for byte', async (t) => {
  const text = fixture('go-records.json')
  const records = parseRecordsFile(text)
  t.equal(records.length, 6)
  t.equal(records[2].value, '"v=spf1 ip4:192.0.2.0/24 -all" "a<b>&c"')
  t.equal(serializeRecordsFile(records, false), text)
})

t.test('round-trips a Go-written pretty file byte for byte', async (t) => {
  const text = fixture('go-records-pretty.json')
  t.equal(serializeRecordsFile(parseRecordsFile(text), true), text)
  t.equal(serializeRecordsFile(parseRecordsFile(text), false), fixture('go-records.json'))
})

t.test('writes an empty set as [] and readers take it back', async (t) => {
  t.equal(serializeRecordsFile([], false), '{"records":[]}\n')
  t.equal(serializeRecordsFile([], true), '{\n  "records": []\n}\n')
})

t.test('writes the default record with all three time keys', async (t) => {
  t.equal(
    serializeRecordsFile(DEFAULT_RECORDS, false),
    '{"records":[{"name":"example.com","type":"A","value":"93.184.216.34","ttl":3600,' +
      '"added_on":"0001-01-01T00:00:00Z","updated_on":"0001-01-01T00:00:00Z","last_query":"0001-01-01T00:00:00Z"}]}\n',
  )
})

t.test('writes a lone surrogate as U+FFFD, as Go does for invalid text', async (t) => {
  const out = serializeRecordsFile([{ ...DEFAULT_RECORDS[0], value: 'a\ud800b' }], false)
  t.match(out, '"value":"a\ufffdb"')
})

t.test('stringifyGo writes what a replacer per string value wrote (lone surrogates, backslashes, HTML characters, U+2028/9)', async (t) => {
  // the former implementation: a replacer that fixed every string value, then the HTML escapes
  const reference = (value: unknown, pretty: boolean): string =>
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? v.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd') : v), pretty ? 2 : undefined)
      .replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '\n'
  const tricky = fc.constantFrom('\\', '\\ud800', 'ud800', '\ud800', '\udc00', '\ud83d\ude00', '<', '>', '&', '\u2028', '\u2029', '"', 'a', '\u00e9', '\n')
  const text = fc.array(fc.oneof(tricky, fc.string({ unit: 'binary' })), { maxLength: 8 }).map((parts) => parts.join(''))
  // values only: the old replacer never saw keys (ours are fixed ASCII)
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(text, text, fc.boolean(), (value, name, pretty) => {
        const doc = { records: [{ name, value }], extra: [value, { name }] }
        return stringifyGo(doc, pretty) === reference(doc, pretty)
      }),
      { numRuns: 1000 },
    ),
  )
  t.equal(stringifyGo({ v: 'x\\ud800y' }, false), '{"v":"x\\\\ud800y"}\n', 'the text \\ud800 after a backslash stays text')
})

// Issue #10 item 2: the file is read with THE record codec, so what a peer or the API could not
// store is refused here too (naming the index and the reason) instead of being half-accepted.
const invalidRecords: [string, string, RegExp][] = [
  ['a 1,100-character name', `{"name":"${'a.'.repeat(550)}","type":"A","value":"192.0.2.1"}`, /^records\[1\]\.name: not a valid DNS name: has 1100 characters, more than 253$/],
  ['a 64-character label', `{"name":"${'a'.repeat(64)}.example","type":"A","value":"192.0.2.1"}`, /^records\[1\]\.name: not a valid DNS name: has a label of 64 characters, more than 63$/],
  ['an A of 999.1.1.1', '{"name":"a.example","type":"A","value":"999.1.1.1"}', /^records\[1\]\.value: must be an IPv4 address$/],
  ['a 70,000-character TXT', `{"name":"a.example","type":"TXT","value":"${'x'.repeat(70_000)}"}`, /^records\[1\]\.value: must be at most 65535 characters$/],
  ['a TXT string over 255 bytes', `{"name":"a.example","type":"TXT","value":"${'x'.repeat(300)}"}`, /^records\[1\]\.value: has a character-string of 300 bytes, more than 255/],
  ['February 30th', '{"name":"a.example","type":"A","value":"192.0.2.1","added_on":"2024-02-30T00:00:00Z"}', /^records\[1\]\.added_on: must be an RFC 3339 time/],
  ['an unknown type', '{"name":"a.example","type":"BOGUS","value":"x"}', /^records\[1\]\.type: unknown record type "BOGUS"$/],
]
for (const [label, bad, want] of invalidRecords) {
  t.test(`refuses a file with ${label}, naming the index and the reason`, async (t) => {
    const text = `{"records":[{"name":"ok.example","type":"A","value":"192.0.2.1"},${bad}]}`
    t.throws(() => parseRecordsFile(text), { code: 'ERR_RECORDS_PARSE', message: want })
  })
}
