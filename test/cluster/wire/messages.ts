import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { encodeFrame, FrameDecoder } from '../../../src/cluster/wire/codec.js'
import { encodeMessage, goString, isRfc3339, parseMessage, type Message } from '../../../src/cluster/wire/messages.js'
import { GO_ZERO_TIME } from '../../../src/store/record.js'

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/cluster')
const names = readFileSync(join(dir, 'frames.txt'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => l.split('\t')[0])

t.test('golden frames: decoding the fixture bytes gives the expected message, encoding gives the same bytes', async (t) => {
  t.ok(names.length >= 11)
  for (const name of names) {
    const bytes = Buffer.from(readFileSync(join(dir, `${name}.hex`), 'utf8').trim(), 'hex')
    const expected = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Message
    const frames = new FrameDecoder().push(bytes)
    t.equal(frames.length, 1, name)
    const parsed = parseMessage(frames[0])
    t.ok(parsed.ok, name)
    if (parsed.ok) t.same(parsed.message, expected, `${name}: decoded`)
    t.equal(encodeFrame(encodeMessage(expected)).toString('hex'), bytes.toString('hex'), `${name}: encoded`)
  }
})

t.test('covers every message type in the fixtures', async (t) => {
  const types = new Set(names.map((n) => JSON.parse(readFileSync(join(dir, `${n}.json`), 'utf8')).type))
  for (const ty of ['auth', 'auth_ok', 'auth_fail', 'error', 'ping', 'pong', 'pull', 'records_full', 'admin_config_apply', 'admin_config_ok', 'admin_config_fail']) {
    t.ok(types.has(ty), ty)
  }
})

t.test('encodes an empty record set as null and empty time fields as Go zero time', async (t) => {
  const text = encodeMessage({ type: 'records_full', node_id: 'n', seq: 1, timestamp_unix: 0, records: [] })
  t.equal(text, '{"type":"records_full","node_id":"n","seq":1,"records":null}')
  const rec = encodeMessage({
    type: 'records_full',
    node_id: 'n',
    seq: 2,
    timestamp_unix: 5,
    records: [{ name: 'a', type: 'A', value: '192.0.2.1', ttl: 1, added_on: '', updated_on: '', last_query: '' }],
  })
  t.match(rec, `"added_on":"${GO_ZERO_TIME}","updated_on":"${GO_ZERO_TIME}","last_query":"${GO_ZERO_TIME}"`)
  t.notMatch(rec, '""')
})

t.test('accepts absent and null keys as Go zero values', async (t) => {
  const r = parseMessage('{"type":"records_full","records":[{"name":"a","type":"A","value":"192.0.2.1","ttl":null}]}')
  t.ok(r.ok)
  if (r.ok && r.message.type === 'records_full') {
    t.equal(r.message.node_id, '')
    t.equal(r.message.seq, 0)
    t.same(r.message.records?.[0], { name: 'a', type: 'A', value: '192.0.2.1', ttl: 0, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME })
  }
  const a = parseMessage('{"type":"auth"}')
  t.same(a.ok && a.message, { type: 'auth', token: '' })
  const s = parseMessage('{"type":"auth_fail","message":"","extra":1}')
  t.same(s.ok && s.message, { type: 'auth_fail' })
})

const invalid: [string, string, string][] = [
  ['not JSON', 'garbage{', 'invalid_json'],
  ['empty frame', '', 'invalid_json'],
  ['an array', '[1]', 'not_object'],
  ['null', 'null', 'not_object'],
  ['unknown type', '{"type":"hello"}', 'unknown_type'],
  ['missing type', '{}', 'unknown_type'],
  ['numeric type', '{"type":1}', 'invalid_fields'],
  ['token not a string', '{"type":"auth","token":5}', 'invalid_fields'],
  ['negative seq', '{"type":"records_full","node_id":"a","seq":-1,"records":null}', 'invalid_fields'],
  ['fractional seq', '{"type":"records_full","node_id":"a","seq":1.5,"records":null}', 'invalid_fields'],
  ['unsafe seq', '{"type":"records_full","node_id":"a","seq":18446744073709551615,"records":null}', 'invalid_fields'],
  ['string seq', '{"type":"records_full","node_id":"a","seq":"1","records":null}', 'invalid_fields'],
  ['records an object', '{"type":"records_full","node_id":"a","seq":1,"records":{}}', 'invalid_fields'],
  ['peers not strings', '{"type":"admin_config_apply","admin_token":"x","cluster_peers":[1]}', 'invalid_fields'],
  ['replica flag not bool', '{"type":"admin_config_apply","admin_token":"x","cluster_replica_only":"true"}', 'invalid_fields'],
  ['interval not integer', '{"type":"admin_config_apply","admin_token":"x","cluster_sync_interval_seconds":1.5}', 'invalid_fields'],
]

t.test('rejects invalid frames with a reason', async (t) => {
  for (const [label, text, reason] of invalid) {
    const r = parseMessage(Buffer.from(text))
    t.equal(r.ok, false, label)
    if (!r.ok) t.equal(r.reason, reason, label)
  }
})

const refusedRecords: [string, string, string][] = [
  ['record not an object', '1', 'invalid_field'],
  ['negative ttl', '{"name":"a","type":"A","value":"192.0.2.1","ttl":-1}', 'invalid_field'],
  ['ttl over uint32', '{"name":"a","type":"A","value":"192.0.2.1","ttl":4294967296}', 'invalid_field'],
  ['fractional ttl', '{"name":"a","type":"A","value":"192.0.2.1","ttl":1.5}', 'invalid_field'],
  ['non-RFC-3339 time', '{"name":"a","type":"A","value":"192.0.2.1","last_query":"2025-01-01 10:00:00"}', 'invalid_time'],
  ['impossible date', '{"name":"a","type":"A","value":"192.0.2.1","added_on":"2024-02-30T00:00:00Z"}', 'invalid_time'],
  ['cache_record not bool', '{"name":"a","type":"A","value":"192.0.2.1","cache_record":"yes"}', 'invalid_field'],
  ['1,100-character name', `{"name":"${'a.'.repeat(550)}","type":"A","value":"192.0.2.1"}`, 'invalid_name'],
  ['64-character label', `{"name":"${'a'.repeat(64)}.example","type":"A","value":"192.0.2.1"}`, 'invalid_name'],
  ['A 999.1.1.1', '{"name":"a.example","type":"A","value":"999.1.1.1"}', 'invalid_value'],
  ['70,000-character TXT', `{"name":"a.example","type":"TXT","value":"${'x'.repeat(70_000)}"}`, 'invalid_value'],
  ['TXT string over 255 bytes', `{"name":"a.example","type":"TXT","value":"\\"${'x'.repeat(300)}\\""}`, 'invalid_value'],
  ['unknown type', '{"name":"a.example","type":"BOGUS","value":"x"}', 'invalid_type'],
]

t.test('sets aside records the codec refuses, naming index and reason, and keeps the valid rest', async (t) => {
  const good = '{"name":"ok.example","type":"A","value":"192.0.2.1"}'
  for (const [label, bad, reason] of refusedRecords) {
    const full = parseMessage(`{"type":"records_full","node_id":"a","seq":1,"records":[${good},${bad}]}`)
    t.ok(full.ok, label)
    if (!full.ok || full.message.type !== 'records_full') continue
    t.same(full.message.records?.map((r) => r.name), ['ok.example'], `${label}: valid record kept`)
    t.equal(full.message.rejected?.length, 1, label)
    t.match(full.message.rejected?.[0], { index: 1, reason }, label)
    const delta = parseMessage(
      `{"type":"delta","node_id":"a","batch":1,"entries":[{"key":"rr:x","version":{"wall":1,"counter":0,"node":"n"},"record":${bad}},{"key":"id:gone","version":{"wall":1,"counter":0,"node":"n"},"deleted":true}]}`,
    )
    t.ok(delta.ok, `${label} in a delta`)
    if (!delta.ok || delta.message.type !== 'delta') continue
    t.same(delta.message.entries.map((e) => e.key), ['id:gone'], `${label}: the rest of the delta kept`)
    t.match(delta.message.rejected, [{ index: 0, key: 'rr:x', reason }], label)
  }
})

t.test('escapes strings as Go encoding/json does', async (t) => {
  const cases: [string, string][] = [
    ['plain', '"plain"'],
    ['<a&b>', '"\\u003ca\\u0026b\\u003e"'],
    ['q"\\', '"q\\"\\\\"'],
    ['\n\r\t\b\f\u0001', '"\\n\\r\\t\\b\\f\\u0001"'],
    ['\u2028\u2029', '"\\u2028\\u2029"'],
    ['é😀', '"é😀"'],
    ['\ud800x', '"\\ufffdx"'],
  ]
  for (const [input, want] of cases) {
    t.equal(goString(input), want, `case ${want}`)
    if (!input.includes('\ud800')) t.equal(JSON.parse(want), input)
  }
})

t.test('validates RFC 3339 times like Go', async (t) => {
  const ok = ['0001-01-01T00:00:00Z', '2025-01-01T10:00:00.5+01:00', '2024-02-29T23:59:59.123456789-07:30']
  const bad = ['', '2025-13-01T00:00:00Z', '2025-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2025-01-01T24:00:00Z', '2025-01-01T00:00:00', '2025-01-01t00:00:00z']
  for (const s of ok) t.ok(isRfc3339(s), s)
  for (const s of bad) t.notOk(isRfc3339(s), s)
})

t.test('challenge/2 fields: auth_challenge without proof, auth_response with nonce, auth_ok with proof round-trip', async (t) => {
  const cases: [Message, string][] = [
    [{ type: 'auth_challenge', nonce: 'sn', node_id: 'b', caps: ['challenge/2'], clock_unix_ms: 5 }, '{"type":"auth_challenge","nonce":"sn","node_id":"b","caps":["challenge/2"],"clock_unix_ms":5}'],
    [{ type: 'auth_response', nonce: 'cn', proof: 'p' }, '{"type":"auth_response","nonce":"cn","proof":"p"}'],
    [{ type: 'auth_ok', node_id: 'b', proof: 'sp' }, '{"type":"auth_ok","node_id":"b","proof":"sp"}'],
    [{ type: 'auth_ok', records: 0, records_digest: '00ff' }, '{"type":"auth_ok","records":0,"records_digest":"00ff"}'],
  ]
  for (const [msg, text] of cases) {
    t.equal(encodeMessage(msg), text)
    t.same(parseMessage(Buffer.from(text)), { ok: true, message: msg })
  }
  t.match(parseMessage(Buffer.from(`{"type":"auth_response","nonce":"${'x'.repeat(257)}","proof":"p"}`)), { ok: false, reason: 'invalid_fields' }, 'the nonce is bounded')
})
