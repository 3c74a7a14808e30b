import t from 'tap'
import { MAX_TTL_SECONDS, isMultiWordType, parseBool, parseDigArgs, parseListArgs, parseRecordArgs, parseRemoveArgs, parseServerArgs, parseTtl, quoteHint, shellValue } from '../../../src/tui/commands/args.js'

t.test('record add arguments, with the two-argument IP/name inference', async (t) => {
  const cases: [string[], Record<string, unknown>][] = [
    [['www.example.com', '192.0.2.1'], { name: 'www.example.com', type: 'A', value: '192.0.2.1' }],
    [['192.0.2.1', 'www.example.com'], { name: 'www.example.com', type: 'A', value: '192.0.2.1' }],
    [['v6.example.com', '2001:db8::1'], { name: 'v6.example.com', type: 'AAAA', value: '2001:db8::1' }],
    [['2001:db8::1', 'v6.example.com'], { name: 'v6.example.com', type: 'AAAA', value: '2001:db8::1' }],
    [['example.com', 'mx', '10 mail.example.com'], { name: 'example.com', type: 'MX', value: '10 mail.example.com' }],
    [['www.example.com', '192.0.2.1', '300'], { name: 'www.example.com', type: 'A', value: '192.0.2.1', ttl: 300 }],
    [['txt.example.com', 'TXT', 'v=spf1 -all', '600'], { name: 'txt.example.com', type: 'TXT', value: '"v=spf1 -all"', ttl: 600 }],
  ]
  for (const [args, want] of cases) t.same(parseRecordArgs(args), want, args.join(' '))
})

t.test('record add rejects what it cannot infer', async (t) => {
  const bad: [string[], RegExp][] = [
    [[], /at least a name and a value/],
    [['only'], /at least/],
    [['a.example', 'b.example'], /one must be an IP address/],
    [['a.example', 'NOTATYPE', 'x'], /not a record type/],
    [['a.example', 'A', '192.0.2.1', 'soon'], /invalid ttl/],
    [['a.example', 'A', '192.0.2.1', '4294967296'], /invalid ttl/],
    [['a', 'A', 'b', '1', 'extra'], /too many arguments/],
  ]
  for (const [args, msg] of bad) t.throws(() => parseRecordArgs(args), { name: 'UsageError', message: msg }, args.join(' '))
})

t.test('record remove arguments', async (t) => {
  t.same(parseRemoveArgs(['a.example']), { name: 'a.example' })
  t.same(parseRemoveArgs(['3F2504E0-4F89-41D3-9A0C-0305E82C3301']), { id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' })
  t.same(parseRemoveArgs(['a.example', 'mx']), { name: 'a.example', type: 'MX' })
  t.same(parseRemoveArgs(['a.example', '192.0.2.1']), { name: 'a.example', type: 'A', value: '192.0.2.1' })
  t.same(parseRemoveArgs(['192.0.2.1', 'a.example']), { name: 'a.example', type: 'A', value: '192.0.2.1' })
  t.same(parseRemoveArgs(['a.example', 'CNAME', 'b.example']), { name: 'a.example', type: 'CNAME', value: 'b.example' })
  t.throws(() => parseRemoveArgs([]), { name: 'UsageError' })
  t.throws(() => parseRemoveArgs(['a', 'BOGUS', 'c']), { message: /unknown record type/ })
})

t.test('record list filter is a type when it is one, else a name part', async (t) => {
  t.same(parseListArgs([]), { details: false })
  t.same(parseListArgs(['d']), { details: true })
  t.same(parseListArgs(['details', 'mx']), { details: true, type: 'MX' })
  t.same(parseListArgs(['example']), { details: false, name: 'example' })
  t.throws(() => parseListArgs(['a', 'b']), { name: 'UsageError' })
})

t.test('dns add/update: address, optional port and key:value settings', async (t) => {
  t.same(parseServerArgs(['1.1.1.1']), { address: '1.1.1.1' })
  t.same(parseServerArgs(['1.1.1.1', '5353']), { address: '1.1.1.1', port: 5353 })
  t.same(
    parseServerArgs(['192.168.1.1', '53', 'localresolver:true', 'active:0', 'adblocker:T', 'whitelist:home.lan, corp.lan', 'doh_url:https://x/dns-query', 'fallback_port:5353']),
    { address: '192.168.1.1', port: 53, local_resolver: true, active: false, adblocker: true, domain_whitelist: ['home.lan', 'corp.lan'], doh_url: 'https://x/dns-query', fallback_port: 5353 },
  )
  t.same(parseServerArgs(['1.1.1.1', 'whitelist:']), { address: '1.1.1.1', domain_whitelist: [] })
  t.same(parseServerArgs(['1.1.1.1', 'fallback_address:']), { address: '1.1.1.1', fallback_address: '' })
  t.same(parseServerArgs(['2001:db8::53', 'active:true']), { address: '2001:db8::53', active: true })
  t.throws(() => parseServerArgs(['1.1.1.1', 'active:maybe']), { message: /not a boolean/ })
  t.throws(() => parseServerArgs(['1.1.1.1', 'color:blue']), { message: /unknown key "color"/ })
  t.throws(() => parseServerArgs(['1.1.1.1', 'noval']), { message: /expected key:value/ })
  t.throws(() => parseServerArgs(['1.1.1.1', '70000']), { message: /invalid port/ })
  t.throws(() => parseServerArgs([]), { name: 'UsageError' })
})

t.test('booleans follow Go ParseBool', async (t) => {
  for (const s of ['1', 't', 'T', 'TRUE', 'true', 'True']) t.equal(parseBool(s, 'k'), true, s)
  for (const s of ['0', 'f', 'F', 'FALSE', 'false', 'False']) t.equal(parseBool(s, 'k'), false, s)
  for (const s of ['yes', 'on', 'tRUE', '']) t.throws(() => parseBool(s, 'k'), { name: 'UsageError' }, s)
})

t.test('dig arguments in either order', async (t) => {
  t.same(parseDigArgs(['example.com']), { name: 'example.com', type: undefined, server: undefined, port: undefined })
  t.same(parseDigArgs(['MX', 'example.com']), { name: 'example.com', type: 'MX', server: undefined, port: undefined })
  t.same(parseDigArgs(['example.com', 'aaaa', '@1.1.1.1', '5353']), { name: 'example.com', type: 'AAAA', server: '1.1.1.1', port: 5353 })
  t.same(parseDigArgs(['a', 'a']), { name: 'a', type: 'A', server: undefined, port: undefined })
  t.throws(() => parseDigArgs([]), { message: /expected a name/ })
  t.throws(() => parseDigArgs(['x', '@a', '@b']), { message: /only one @server/ })
})

t.test('a TXT value typed as one argument becomes one quoted character-string', async (t) => {
  t.equal(shellValue('TXT', 'v=spf1 -all'), '"v=spf1 -all"')
  t.equal(shellValue('txt', 'say "hi" \\ bye'), '"say \\"hi\\" \\\\ bye"')
  t.equal(shellValue('TXT', '"already" "quoted"'), '"already" "quoted"')
  t.equal(shellValue('MX', '10 mail.example.com'), '10 mail.example.com')
})

t.test('a multi-word value typed unquoted gets a hint saying what to quote', async (t) => {
  t.throws(() => parseRecordArgs(['x', 'MX', '20', 'mail']), { message: '"mail" is not a ttl; quote the value: "20 mail"' })
  t.throws(() => parseRecordArgs(['x', 'MX', '20', 'mail.example.com', '600']), { message: 'too many arguments (5); quote the value: "20 mail.example.com"' })
  t.throws(() => parseRecordArgs(['x', 'SRV', '0', '5', '5060', 'sip.example.com']), { message: /quote the value: "0 5 5060 sip\.example\.com"/ })
  t.throws(() => parseRecordArgs(['a', 'b', 'c', 'd', 'e']), { message: /quote values that contain spaces/ })
  t.equal(quoteHint(['x', 'TXT', 'say', '"hi"']), 'quote the value: "say \\"hi\\""')
  t.notOk(isMultiWordType('A'))
  t.ok(isMultiWordType('caa'))
})

t.test('ttl accepts the documented 0..4294967295', async (t) => {
  t.equal(parseTtl('0'), 0)
  t.equal(parseTtl('2147483648'), 2147483648)
  t.equal(parseTtl(String(MAX_TTL_SECONDS)), 4294967295)
  t.throws(() => parseTtl('4294967296'), { message: 'invalid ttl "4294967296": expected seconds 0..4294967295' })
})
