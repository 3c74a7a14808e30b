import { createRequire } from 'node:module'
import t from 'tap'
import { checkRecordInput, dnsNameProblem, isValidDnsName, KNOWN_RECORD_TYPES } from '../../src/store/record-validate.js'
import { canonicalIp, formatGoTime, isSameRecord, recordKey } from '../../src/store/record.js'

type Case = [type: string, name: string, value: string, ok: boolean | RegExp]

const cases: Case[] = [
  ['A', 'example.com', '192.0.2.1', true],
  ['a', 'example.com.', '192.0.2.1', true],
  ['A', 'example.com', '2001:db8::1', /value: must be an IPv4 address/],
  ['A', 'example.com', '192.0.2.300', /IPv4/],
  ['AAAA', 'example.com', '2001:db8::1', true],
  ['AAAA', 'example.com', '192.0.2.1', /value: must be an IPv6 address/],
  ['CNAME', 'www.example.com', 'example.com', true],
  ['CNAME', 'www.example.com', 'example.com.', true],
  ['CNAME', 'www.example.com', 'two words', /must be a domain name/],
  ['NS', 'example.com', 'ns1.example.com.', true],
  ['MX', 'example.com', '10 mail.example.com.', true],
  ['MX', 'example.com', '0 .', true],
  ['MX', 'example.com', 'mail.example.com', /preference/],
  ['MX', 'example.com', '70000 mail.example.com', /preference/],
  ['TXT', 'example.com', '"v=spf1 mx -all"', true],
  ['TXT', 'example.com', 'anything goes here', true],
  ['TXT', 'example.com', '"unclosed', /unclosed quote/],
  ['TXT', 'example.com', 'line\nbreak', /control characters/],
  ['SRV', '_sip._tcp.example.com', '10 5 5060 sip.example.com.', true],
  ['SRV', '_sip._tcp.example.com', '10 5 sip.example.com.', /priority/],
  ['SOA', 'example.com', 'ns1.example.com. hostmaster.example.com. 2024010101 3600 900 604800 300', true],
  ['SOA', 'example.com', 'ns1.example.com. hostmaster.example.com. 1 2 3 4', /mname/],
  ['CAA', 'example.com', '0 issue "letsencrypt.org"', true],
  ['CAA', 'example.com', '256 issue "x"', /flags/],
  ['NAPTR', 'example.com', '100 10 "S" "SIP+D2U" "" _sip._udp.example.com.', true],
  ['NAPTR', 'example.com', '100 10 "S"', /order/],
  ['HTTPS', 'example.com', '1 . alpn=h2,h3', true],
  ['SVCB', '_dns.example.com', '1 dns.example.com. alpn=dot', true],
  ['HTTPS', 'example.com', 'x .', /priority/],
  ['TLSA', '_443._tcp.example.com', '3 1 1 0123456789abcdef', true],
  ['TLSA', '_443._tcp.example.com', '3 1 1 xyz', /usage/],
  ['DS', 'example.com', '12345 8 2 49FD46E6C4B45C55D4AC', true],
  ['DS', 'example.com', '12345 8 2', /key tag/],
  ['PTR', '192.0.2.1', 'host.example.com', true],
  ['PTR', '2001:db8::1', 'host.example.com', true],
  ['PTR', '1.2.0.192.in-addr.arpa', 'host.example.com', true],
  ['PTR', 'host.example.com', 'other.example.com', /PTR name must be an IP address/],
  ['BOGUS', 'example.com', 'x', /type: unknown record type "BOGUS"/],
  ['', 'example.com', 'x', /type: is required/],
  ['A', '', '192.0.2.1', /name: is required/],
  ['A', 'bad name.example', '192.0.2.1', /not a valid DNS name/],
  ['A', '*.example.com', '192.0.2.1', true],
  ['A', 'a.*.example.com', '192.0.2.1', /not a valid DNS name/],
  ['A', `${'x'.repeat(64)}.example.com`, '192.0.2.1', /not a valid DNS name/],
  ['A', 'example.com', '', /value: is required/],
]

for (const [type, name, value, want] of cases) {
  t.test(`${want === true ? 'accepts' : 'rejects'} ${type || '(no type)'} ${name || '(no name)'} "${value.slice(0, 40)}"`, async (t) => {
    const res = checkRecordInput({ name, type, value })
    if (want === true) t.ok(res.ok, res.ok ? 'valid' : res.errors.join('; '))
    else {
      t.notOk(res.ok)
      if (!res.ok) t.match(res.errors.join('; '), want)
    }
  })
}

t.test('normalises the accepted input', async (t) => {
  const res = checkRecordInput({ name: ' Www.Example.COM. ', type: 'mx', value: ' 10 mail.example.com. ', ttl: 0 })
  t.same(res, { ok: true, record: { name: 'Www.Example.COM', type: 'MX', value: '10 mail.example.com.', ttl: 0 } })
})

t.test('reports every problem of a bad input, each naming its field', async (t) => {
  const res = checkRecordInput({ name: 5, type: 'A', value: 'x', ttl: -1, id: 'has space' })
  t.notOk(res.ok)
  if (!res.ok) {
    t.match(res.errors, [/^name: must be a string/, /^ttl: /, /^id: /, /^name: is required/, /^value: must be an IPv4/])
  }
  t.same(checkRecordInput(null), { ok: false, errors: ['record: must be an object'] })
})

t.test('knows every type in dns-packet\'s table except the query-only ones', async (t) => {
  const require = createRequire(import.meta.url)
  const types = require('dns-packet/types.js') as { toString(n: number): string }
  const queryOnly = new Set(['AXFR', 'IXFR', 'OPT', 'ANY', 'TKEY', 'TSIG'])
  for (let code = 1; code < 65536; code++) {
    const m = types.toString(code)
    if (m.startsWith('UNKNOWN_') || queryOnly.has(m)) continue
    t.ok(KNOWN_RECORD_TYPES.has(m), m)
  }
})

const names: [string, boolean][] = [
  ['example.com', true],
  ['example.com.', true],
  ['_dmarc.example.com', true],
  ['.', false],
  ['a..b', false],
  [`${'a'.repeat(63)}.com`, true],
  [Array(127).fill('a').join('.'), true], // 253 characters
  [Array(127).fill('a').join('.') + 'b', false], // 254 characters
]
for (const [name, ok] of names) {
  t.test(`isValidDnsName(${name.length > 30 ? name.length + ' chars' : name}) is ${ok}`, async (t) => t.equal(isValidDnsName(name), ok))
}

// The tokenizer itself is tested in test/dns/wire/presentation.ts; these are the value rules built on it.
const presentationCases: Case[] = [
  ['CAA', 'example.com', '0 issue "lets encrypt.org"', true],
  ['MX', 'example.com', '10 "mail.example.com."', /must be "<preference/], // a quoted host is not a name
  ['MX', 'example.com', '"10" mail.example.com.', /must be "<preference/],
  ['MX', 'example.com', '( 10 mail.example.com. )', true], // RFC 1035 5.1: parentheses continue a line
  ['TXT', 'example.com', '"a \\" b" c', true],
  ['TXT', 'example.com', '"bad \\300"', /bad escape/],
]
for (const [type, name, value, ok] of presentationCases) {
  t.test(`${type} ${value}: ${ok === true ? 'accepted' : 'refused'}`, async (t) => {
    const r = checkRecordInput({ name, type, value })
    if (ok === true) t.ok(r.ok, JSON.stringify(r))
    else t.match(r.ok ? '' : r.errors.join('; '), ok as RegExp)
  })
}

const dupes: [string, [string, string, string], [string, string, string], boolean][] = [
  ['name case and trailing dot', ['WWW.example.com.', 'A', '192.0.2.1'], ['www.example.com', 'a', '192.0.2.1'], true],
  ['CNAME value case and dot', ['w', 'CNAME', 'Target.Example.com.'], ['w', 'CNAME', 'target.example.com'], true],
  ['AAAA value case', ['h', 'AAAA', '2001:DB8::1'], ['h', 'AAAA', '2001:db8::1'], true],
  ['TXT value case differs', ['h', 'TXT', '"Hello"'], ['h', 'TXT', '"hello"'], false],
  ['TXT value trimmed', ['h', 'TXT', ' "hello" '], ['h', 'TXT', '"hello"'], true],
  ['different type', ['h', 'A', '192.0.2.1'], ['h', 'AAAA', '192.0.2.1'], false],
]
for (const [label, a, b, same] of dupes) {
  t.test(`duplicate rule: ${label} -> ${same}`, async (t) => {
    const ra = { name: a[0], type: a[1], value: a[2] }
    const rb = { name: b[0], type: b[1], value: b[2] }
    t.equal(isSameRecord(ra, rb), same)
    t.equal(recordKey(ra) === recordKey(rb), same)
  })
}

t.test('formats times like Go RFC3339Nano in UTC', async (t) => {
  t.equal(formatGoTime(new Date('2025-01-01T10:00:00.500Z')), '2025-01-01T10:00:00.5Z')
  t.equal(formatGoTime(new Date('2025-01-01T10:00:00.000Z')), '2025-01-01T10:00:00Z')
  t.equal(formatGoTime(new Date('2025-01-01T10:00:00.123Z')), '2025-01-01T10:00:00.123Z')
})

t.test('names of plain ASCII labels (accepted without the per-label checks) and IPv4 text: as the full rules say', async (t) => {
  const MAX = 253
  const LABEL = /^[\p{L}\p{M}\p{N}_-]+$/u
  // the full rules, as dnsNameProblem applies them to any name
  const full = (name: string): boolean => {
    if (name === '.') return false
    const text = name.endsWith('.') ? name.slice(0, -1) : name
    if (text.length === 0 || Buffer.byteLength(text, 'utf8') > MAX) return false
    return text.split('.').every((l, i) => l.length > 0 && Buffer.byteLength(l, 'utf8') <= 63 && ((l === '*' && i === 0) || LABEL.test(l)))
  }
  const chars = 'ab-_*.Z09é '
  let seed = 5
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n
  const names = ['a', 'a.', 'a..', '.a', '*.a', 'a.*', '*', '*.', 'x'.repeat(63) + '.b', 'x'.repeat(64) + '.b', `${'a.'.repeat(126)}b`, `${'a.'.repeat(126)}bc`, `${'a.'.repeat(126)}b.`]
  for (let i = 0; i < 3000; i++) {
    let n = ''
    for (let k = 1 + rand(12); k > 0; k--) n += chars[rand(chars.length)]
    names.push(n)
  }
  for (const n of names) t.equal(dnsNameProblem(n) === undefined, full(n), JSON.stringify(n))
  t.equal(canonicalIp('010.0.0.001'), '10.0.0.1')
  t.equal(canonicalIp(' 192.0.2.1 '), '192.0.2.1')
  for (const bad of ['1.2.3', '1.2.3.4.5', '256.0.0.1', '1.2.3.', '1.2.3.4a', '1.2.3.٣', '1234.1.1.1', '+1.2.3.4']) t.equal(canonicalIp(bad), undefined, bad)
})
