/**
 * Zone export: canonical order, absolute names, child zones left out, and the round trip
 * records -> text -> records (fast-check), checked by kzonecheck when it is installed.
 */
import t from 'tap'
import fc from 'fast-check'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatZoneError, parseZone } from '../../src/zonefile/parse.js'
import { compareCanonical, exportValue, selectZoneRecords, writeZone, zoneOwner } from '../../src/zonefile/write.js'
import { decodeUtf8Escapes, escapeNonAscii, reverseName } from '../../src/zonefile/names.js'

const SOA = { name: 'example.com', type: 'SOA', value: 'ns1.example.com. h.example.com. 1 3600 900 604800 300', ttl: 300 }
const NS = { name: 'example.com', type: 'NS', value: 'ns1.example.com', ttl: 300 }
const NS_A = { name: 'ns1.example.com', type: 'A', value: '192.0.2.1', ttl: 300 }

const hasKzonecheck = spawnSync('kzonecheck', ['--version']).status === 0

function kzonecheck(text: string, origin: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'dnsplane-zone-'))
  try {
    const file = join(dir, 'zone')
    writeFileSync(file, text)
    execFileSync('kzonecheck', ['-o', origin, file], { stdio: 'pipe' })
    return undefined
  } catch (err) {
    return String((err as { stderr?: Buffer; stdout?: Buffer }).stdout ?? '') + String((err as { stderr?: Buffer }).stderr ?? '')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

t.test('canonical order (RFC 4034 6.1)', async (t) => {
  const names = ['z.example', 'example', 'a.example', 'yljkjljk.a.example', 'Z.a.example', '*.z.example', '\u00e9.z.example']
  t.same([...names].sort(compareCanonical), ['example', 'a.example', 'yljkjljk.a.example', 'Z.a.example', 'z.example', '*.z.example', '\u00e9.z.example'])
  t.equal(compareCanonical('', 'a'), -1)
})

t.test('export: SOA first, absolute names, PTR by IP, child zones left out', async (t) => {
  const records = [
    { name: 'www.example.com', type: 'CNAME', value: 'example.com', ttl: 60 },
    NS,
    { name: 'example.com', type: 'MX', value: '10 mail.example.com', ttl: 60 },
    NS_A,
    SOA,
    { name: 'child.example.com', type: 'SOA', value: 'a. b. 1 1 1 1 1', ttl: 60 },
    { name: 'child.example.com', type: 'NS', value: 'ns.child.example.com.', ttl: 60 },
    { name: 'x.child.example.com', type: 'A', value: '192.0.2.7', ttl: 60 },
    { name: 'ns.child.example.com', type: 'A', value: '192.0.2.6', ttl: 60 },
    { name: 'ns.child.example.com', type: 'TXT', value: 'not glue', ttl: 60 },
    { name: 'other.net', type: 'A', value: '192.0.2.8', ttl: 60 },
  ]
  const text = writeZone(records, 'Example.COM.', { header: 'exported\nby test' })
  t.equal(
    text,
    [
      '; exported',
      '; by test',
      '$ORIGIN example.com.',
      'example.com. 300 IN SOA ns1.example.com. h.example.com. 1 3600 900 604800 300',
      'example.com. 300 IN NS ns1.example.com.',
      'example.com. 60 IN MX 10 mail.example.com.',
      'child.example.com. 60 IN NS ns.child.example.com.',
      'ns.child.example.com. 60 IN A 192.0.2.6',
      'ns1.example.com. 300 IN A 192.0.2.1',
      'www.example.com. 60 IN CNAME example.com.',
      '',
    ].join('\n'),
  )
  if (hasKzonecheck) t.equal(kzonecheck(text, 'example.com'), undefined)
  const rev = writeZone(
    [
      { name: '2.0.192.in-addr.arpa', type: 'SOA', value: SOA.value, ttl: 1 },
      { name: '2.0.192.in-addr.arpa', type: 'NS', value: 'ns1.example.com.', ttl: 1 },
      { name: '192.0.2.5', type: 'PTR', value: 'h.example.com.', ttl: 1 },
    ],
    '2.0.192.in-addr.arpa',
  )
  t.match(rev, /^5\.2\.0\.192\.in-addr\.arpa\. 1 IN PTR h\.example\.com\.$/m)
  t.equal(zoneOwner({ name: '2001:db8::1', type: 'PTR' }).slice(0, 8), '1.0.0.0.')
  t.equal(reverseName('x'), undefined)
  t.same(selectZoneRecords([NS], ''), [NS], 'the root zone holds everything')
})

t.test('export refuses a zone without an SOA', async (t) => {
  t.throws(() => writeZone([NS], 'example.com'), { code: 'ERR_NOT_FOUND' })
})

t.test('values: names absolute, non-ASCII escaped, generic and quoted data as is', async (t) => {
  t.equal(exportValue('MX', '10 caf\u00e9.example'), '10 caf\\195\\169.example.')
  t.equal(exportValue('SRV', '1 2 3 .'), '1 2 3 .')
  t.equal(exportValue('URI', '\\# 2 0102'), '\\# 2 0102')
  t.equal(exportValue('TXT', '"a b"  c'), '"a b" c')
  t.equal(exportValue('TXT', '"open'), '"open')
  t.equal(escapeNonAscii('abc'), 'abc')
  t.equal(decodeUtf8Escapes('a\\200b'), 'a\\200b', 'invalid UTF-8 stays escaped')
  t.equal(decodeUtf8Escapes('plain'), 'plain')
})

// Records as the parser produces them (stored form): the round trip is the identity on these.
const label = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}$/)
const owner = fc.oneof(fc.constant(''), fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join('.')), fc.constant('caf\u00e9'))
const target = fc.oneof(fc.constant('.'), fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => `${l.join('.')}.`))
const u16 = fc.integer({ min: 0, max: 65535 })
const charString = fc.stringMatching(/^[ -~]{0,20}$/).map((s) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`)
const rdata = fc.oneof(
  fc.tuple(fc.constant('A'), fc.ipV4()),
  fc.tuple(fc.constant('AAAA'), fc.constantFrom('2001:db8::1', '::1', 'fe80::1:2')),
  fc.tuple(fc.constant('MX'), fc.tuple(u16, target).map(([p, n]) => `${p} ${n}`)),
  fc.tuple(fc.constant('TXT'), fc.array(charString, { minLength: 1, maxLength: 3 }).map((a) => a.join(' '))),
  fc.tuple(fc.constant('SRV'), fc.tuple(u16, u16, u16, target).map((a) => a.join(' '))),
  fc.tuple(fc.constant('CAA'), fc.tuple(fc.integer({ min: 0, max: 255 }), fc.constantFrom('issue', 'iodef'), charString).map((a) => a.join(' '))),
  fc.tuple(fc.constant('DS'), fc.tuple(u16, fc.integer({ min: 1, max: 15 }), fc.constant(2), fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex').toUpperCase())).map((a) => a.join(' '))),
  fc.tuple(fc.constant('URI'), fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => `\\# ${b.length} ${Buffer.from(b).toString('hex')}`)),
)
const row = fc.tuple(owner, rdata, fc.integer({ min: 0, max: 2 ** 31 })).map(([o, [type, value], ttl]) => ({
  name: o === '' ? 'example.com' : `${o}.example.com`,
  type,
  value,
  ttl,
}))

t.test('round trip: records -> zone text -> the same records (fast-check)', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(row, { maxLength: 25, selector: (r) => `${r.name} ${r.type} ${r.value}` }), async (rows) => {
      const records = [SOA, NS, NS_A, ...rows]
      const text = writeZone(records, 'example.com')
      const back = await parseZone(text, { file: 'export' })
      if (!back.ok) throw new Error(back.errors.map(formatZoneError).join('\n') + '\n' + text)
      const key = (r: { name: string; type: string; value: string; ttl: number }) => `${r.name}|${r.type}|${r.value}|${r.ttl}`
      const want = records.map((r) => (r === NS ? { ...NS, value: 'ns1.example.com.' } : r)).map(key).sort()
      t.same(back.records.map(key).sort(), want)
    }),
    { numRuns: 150, seed: 20261129 },
  )
})

t.test('exported zones pass kzonecheck', { skip: hasKzonecheck ? false : 'kzonecheck (knot-dnssecutils) not installed' }, async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(row, { maxLength: 15, selector: (r) => `${r.name} ${r.type} ${r.value}` }), async (rows) => {
      const text = writeZone([SOA, NS, NS_A, ...rows], 'example.com')
      const problem = kzonecheck(text, 'example.com')
      if (problem !== undefined) throw new Error(`${problem}\n${text}`)
    }),
    { numRuns: 10, seed: 20261129 },
  )
  t.pass('kzonecheck accepted every zone')
})
