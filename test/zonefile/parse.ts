/** RFC 1035 master-file parser: fixtures, every directive and field rule, and its errors (file:line: reason). */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatZoneError, parseTtl, parseZone, type ZoneFileReader } from '../../src/zonefile/parse.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'zonefile')
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8')
const fixtureReader: ZoneFileReader = {
  read: async (path) => ({ name: path, text: fixture(path) }),
}

const parseOk = async (text: string, opts: Partial<Parameters<typeof parseZone>[1]> = {}) => {
  const r = await parseZone(text, { file: 'z', ...opts })
  if (!r.ok) throw new Error(r.errors.map(formatZoneError).join('\n'))
  return r.records.map((x) => `${x.name} ${x.ttl} ${x.type} ${x.value}`)
}
const errorsOf = async (text: string, opts: Partial<Parameters<typeof parseZone>[1]> = {}) => {
  const r = await parseZone(text, { file: 'z', ...opts })
  return r.ok ? [] : r.errors.map(formatZoneError)
}

t.test('the fixture zone: directives, relative names, omitted fields, parentheses, includes', async (t) => {
  const r = await parseZone(fixture('example.com.zone'), { file: 'example.com.zone', reader: fixtureReader })
  t.ok(r.ok)
  if (!r.ok) return
  t.equal(r.files, 2)
  const rows = r.records.map((x) => `${x.name} ${x.ttl} ${x.type} ${x.value}`)
  t.same(rows, [
    'example.com 3600 SOA ns1.example.com. hostmaster.example.com. 2024010101 3600 900 604800 300',
    'example.com 3600 NS ns1.example.com.',
    'example.com 3600 NS ns2.example.net.',
    'example.com 3600 MX 10 mail.example.com.',
    'ns1.example.com 300 A 192.0.2.1',
    'mail.example.com 3600 A 192.0.2.3',
    'mail.example.com 3600 AAAA 2001:db8::3',
    'www.example.com 600 CNAME example.com.',
    'txt.example.com 3600 TXT "hello world" "semi;colon" "quote\\"inside" bare',
    '_sip._tcp.example.com 3600 SRV 10 5 5060 sip.example.net.',
    '*.wild.example.com 3600 A 192.0.2.99',
    'svc.example.com 3600 HTTPS 1 . alpn="h2,h3" port=8443',
    'caa.example.com 3600 CAA 0 issue "letsencrypt.org"',
    'uri.example.com 3600 URI \\# 4 0a000100',
    'sub.example.com 3600 A 192.0.2.10',
    'host.sub.example.com 3600 A 192.0.2.11',
    'after.example.com 3600 A 192.0.2.50',
  ])
  t.equal(r.records[15].file, 'sub.inc')
  t.equal(r.records[15].line, 3)
  t.equal(r.records[16].line, 24, 'the origin reverts after the include')
})

t.test('a broken record names the file, the line and the reason', async (t) => {
  const r = await parseZone(fixture('broken.zone'), { file: 'broken.zone' })
  t.notOk(r.ok)
  if (r.ok) return
  t.same(r.errors.map(formatZoneError), ['broken.zone:5: value: must be an IPv4 address'])
})

t.test('TTLs: digits, units, $TTL, last explicit, default, none', async (t) => {
  t.equal(parseTtl('300'), 300)
  t.equal(parseTtl('1h30m'), 5400)
  t.equal(parseTtl('1W'), 604800)
  t.equal(parseTtl('4294967296'), undefined)
  t.equal(parseTtl('1x'), undefined)
  t.same(await parseOk('a.example. 60 A 192.0.2.1\nb.example. A 192.0.2.2'), ['a.example 60 A 192.0.2.1', 'b.example 60 A 192.0.2.2'])
  t.same(await parseOk('a.example. A 192.0.2.1', { defaultTtl: 7 }), ['a.example 7 A 192.0.2.1'])
  t.same(await errorsOf('a.example. A 192.0.2.1'), ['z:1: no TTL: give one, or set $TTL before this record'])
  t.same(await errorsOf('$TTL x'), ['z:1: $TTL takes one TTL (seconds 0..4294967295 or units such as 1h30m)'])
})

t.test('classes, types and owners', async (t) => {
  t.same(await parseOk('$TTL 5\na.example. CLASS1 A 192.0.2.1\na.example. 9 IN TYPE1 192.0.2.2'), ['a.example 5 A 192.0.2.1', 'a.example 9 A 192.0.2.2'])
  t.same(await errorsOf('$TTL 5\na.example. CH A 192.0.2.1'), ['z:2: class CH: only IN records are served'])
  t.same(await errorsOf('$TTL 5\na.example. IN BOGUS x'), ['z:2: unknown type BOGUS'])
  t.same(await errorsOf('$TTL 5\na.example. IN AXFR x'), ['z:2: type AXFR cannot be stored as a record'])
  t.same(await errorsOf('$TTL 5\na.example. IN A'), ['z:2: A record without data'])
  t.same(await errorsOf('$TTL 5\na.example. IN'), ['z:2: no type'])
  t.same(await errorsOf('$TTL 5\n  A 192.0.2.1'), ['z:2: no owner name: the first record must name one'])
  t.same(await parseOk('$ORIGIN example.\n$TTL 5\ncaf\\195\\169 A 192.0.2.1'), ['café.example 5 A 192.0.2.1'])
  t.same(await parseOk('$TTL 5\n$ORIGIN example.\n$ORIGIN sub\nx A 192.0.2.1'), ['x.sub.example 5 A 192.0.2.1'], '$ORIGIN relative to the previous one')
  t.same(await parseOk('$TTL 5\nx. NS y', { origin: 'example.net' }), ['x 5 NS y.example.net.'])
  t.same(await parseOk('$TTL 5\nx. NS y'), ['x 5 NS y.'], 'root origin')
})

t.test('SOA timers with units; a bad one is refused', async (t) => {
  t.same(await parseOk('$TTL 5\nz. SOA a. b. 1 1h 1m 1d 0'), ['z 5 SOA a. b. 1 3600 60 86400 0'])
  t.same(await errorsOf('$TTL 5\nz. SOA a. b. 1 x 1 1 1'), ['z:2: value: SOA field 4 "x" is not a number of seconds'])
})

t.test('lexer errors and directive errors', async (t) => {
  t.same(await errorsOf('$TTL 5\na. TXT "open'), ['z:2: unclosed quote'])
  t.same(await errorsOf('$TTL 5\na. SOA ( a. b.\n1 2 3 4 5'), ['z:2: unclosed "("'])
  t.same(await errorsOf('a. )'), ['z:1: unbalanced ")"'])
  t.same(await errorsOf('$ORIGIN'), ['z:1: $ORIGIN takes one name'])
  t.same(await errorsOf('$GENERATE 1-2 x A 1.2.3.$'), ['z:1: unsupported directive $GENERATE'])
  t.same(await errorsOf('$INCLUDE x'), ['z:1: $INCLUDE is not allowed here'])
  t.same(await errorsOf('$INCLUDE'), ['z:1: $INCLUDE takes a file name and an optional origin'])
  const failing: ZoneFileReader = { read: async () => Promise.reject(new Error('ENOENT')) }
  t.same(await errorsOf('$INCLUDE x', { reader: failing }), ['z:1: $INCLUDE x: ENOENT'])
})

t.test('bounds: include depth, total bytes, record count, error count', async (t) => {
  const loop: ZoneFileReader = { read: async (p) => ({ name: p, text: `$INCLUDE ${p}` }) }
  t.same(await errorsOf('$INCLUDE self', { reader: loop, maxIncludeDepth: 3 }), ['self:1: $INCLUDE nested deeper than 3 files'])
  t.same(await errorsOf('; 12345678901234567890', { maxBytes: 10 }), ['z:1: zone files exceed 10 bytes together'])
  t.same(await errorsOf('$TTL 5\na. A 192.0.2.1\nb. A 192.0.2.2', { maxRecords: 1 }), ['z:3: more than 1 records'])
  const many = Array.from({ length: 30 }, (_, i) => `h${i}. 5 A 999.0.0.1`).join('\n')
  t.equal((await errorsOf(many)).length, 20)
})

t.test('an empty file and a comment-only file have no records', async (t) => {
  t.same(await parseOk(''), [])
  t.same(await parseOk('; nothing\n\n   ; here\n'), [])
})
