import t from 'tap'
import { encodeMessage, parseMessage, type Message } from '../../../src/cluster/wire/messages.js'
import { MAX_SHARED_KEYS, MAX_SHARED_KEY_TEXT } from '../../../src/cluster/wire/keys-messages.js'

const pair = (name = 'Kexample.com.+013+12345') => ({ name, key: 'example.com. IN DNSKEY 257 3 13 AAAA', private: 'Private-key-format: v1.3\nAlgorithm: 13\nPrivateKey: "x"\n' })

t.test('dnssec_keys_pull and dnssec_keys round-trip through the message table', async (t) => {
  const msgs: Message[] = [
    { type: 'dnssec_keys_pull', zone: 'example.com' },
    { type: 'dnssec_keys', zone: 'example.com', keys: [pair(), pair('Kexample.com.+013+54321')] },
  ]
  for (const m of msgs) {
    const text = encodeMessage(m)
    t.same(JSON.parse(text), m, `${m.type}: valid JSON with the same content`)
    t.same(parseMessage(text), { ok: true, message: m }, `${m.type}: decodes to itself`)
  }
  t.equal(encodeMessage(msgs[0]), '{"type":"dnssec_keys_pull","zone":"example.com"}')
})

t.test('untrusted dnssec_keys frames are refused as invalid_fields, never thrown', async (t) => {
  const frame = (o: Record<string, unknown>) => parseMessage(JSON.stringify({ type: 'dnssec_keys', zone: 'example.com', ...o }))
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['no keys', {}, /keys: must be an array/],
    ['keys not an array', { keys: 'x' }, /keys: must be an array/],
    ['empty keys', { keys: [] }, /keys: must be an array/],
    ['too many keys', { keys: Array.from({ length: MAX_SHARED_KEYS + 1 }, () => pair()) }, /keys: must be an array of 1\.\.16/],
    ['a key is not an object', { keys: ['x'] }, /keys\[0\]: must be an object/],
    ['a key is null', { keys: [null] }, /keys\[0\]: must be an object/],
    ['a key is an array', { keys: [[]] }, /keys\[0\]: must be an object/],
    ['no name', { keys: [{ key: 'a', private: 'b' }] }, /keys\[0\]\.name: must be a string/],
    ['a path as name', { keys: [pair('K../../etc/passwd')] }, /keys\[0\]\.name: not a BIND key file name/],
    ['a name not starting with K', { keys: [pair('example')] }, /not a BIND key file name/],
    ['a long name', { keys: [pair('K' + 'a'.repeat(300))] }, /keys\[0\]\.name: longer than 255/],
    ['a huge private key', { keys: [{ ...pair(), private: 'x'.repeat(MAX_SHARED_KEY_TEXT + 1) }] }, /keys\[0\]\.private: longer than/],
    ['a huge public key', { keys: [{ ...pair(), key: 'x'.repeat(MAX_SHARED_KEY_TEXT + 1) }] }, /keys\[0\]\.key: longer than/],
    ['private not a string', { keys: [{ ...pair(), private: 5 }] }, /keys\[0\]\.private: must be a string/],
    ['no zone', { zone: undefined, keys: [pair()] }, /zone: is required/],
    ['a long zone', { zone: 'a'.repeat(256), keys: [pair()] }, /zone: longer than 255/],
  ]
  for (const [name, o, error] of cases) {
    const r = frame(o)
    t.equal(r.ok, false, name)
    if (!r.ok) {
      t.equal(r.reason, 'invalid_fields', name)
      t.match(r.error, error, name)
    }
  }
  const pull = parseMessage('{"type":"dnssec_keys_pull"}')
  t.match(pull, { ok: false, reason: 'invalid_fields', error: /zone: is required/ })
})
