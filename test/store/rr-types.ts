import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import t from 'tap'
import {
  ALL_TYPE_MNEMONICS,
  isTransferOrMailQtype,
  RR_TYPES,
  rrTypeByCode,
  rrTypeByMnemonic,
  STORABLE_TYPES,
  TYPE_A,
  TYPE_AAAA,
  TYPE_ANY,
  TYPE_AXFR,
  TYPE_CNAME,
  TYPE_IXFR,
  TYPE_MAILA,
  TYPE_MAILB,
  TYPE_OPT,
  TYPE_PTR,
  TYPE_SOA,
  typeName,
  typeNumber,
} from '../../src/store/rr-types.js'

t.test('every mnemonic maps to its number and back (aliases to the IANA spelling)', async (t) => {
  for (const rr of RR_TYPES) {
    t.equal(typeNumber(rr.mnemonic), rr.code, rr.mnemonic)
    t.equal(typeNumber(rr.mnemonic.toLowerCase()), rr.code, `${rr.mnemonic} in lower case`)
    t.equal(rrTypeByMnemonic(` ${rr.mnemonic.toLowerCase()} `), rr, `${rr.mnemonic} trimmed`)
    if (rr.alias === true) t.not(typeName(rr.code), rr.mnemonic, `${rr.mnemonic} is an alias`)
    else t.equal(typeName(rr.code), rr.mnemonic, `${rr.code}`)
  }
  t.equal(typeName(23), 'NSAP-PTR')
  t.equal(typeNumber('NSAPPTR'), 23)
})

t.test('mnemonics are unique and every number has exactly one IANA spelling', async (t) => {
  t.equal(ALL_TYPE_MNEMONICS.size, RR_TYPES.length)
  const codes = RR_TYPES.filter((r) => r.alias !== true).map((r) => r.code)
  t.equal(new Set(codes).size, codes.length)
  for (const r of RR_TYPES) t.ok(r.code >= 1 && r.code <= 65535, r.mnemonic)
})

t.test('unknown types use the RFC 3597 TYPEnnn form', async (t) => {
  t.equal(typeName(65534), 'TYPE65534')
  t.equal(typeNumber('TYPE65534'), 65534)
  t.equal(typeNumber('type1'), 1)
  t.equal(typeNumber('TYPE65536'), undefined)
  t.equal(typeNumber('BOGUS'), undefined)
  t.equal(rrTypeByCode(65534), undefined)
  t.equal(rrTypeByMnemonic('TYPE1'), undefined, 'TYPEnnn is not a table entry')
})

t.test('the named constants agree with the table', async (t) => {
  const expect: [number, string][] = [
    [TYPE_A, 'A'], [TYPE_CNAME, 'CNAME'], [TYPE_SOA, 'SOA'], [TYPE_PTR, 'PTR'], [TYPE_AAAA, 'AAAA'], [TYPE_OPT, 'OPT'],
    [TYPE_IXFR, 'IXFR'], [TYPE_AXFR, 'AXFR'], [TYPE_MAILB, 'MAILB'], [TYPE_MAILA, 'MAILA'], [TYPE_ANY, 'ANY'],
  ]
  for (const [code, m] of expect) t.equal(typeName(code), m)
  for (const code of [251, 252, 253, 254]) t.ok(isTransferOrMailQtype(code), `${code}`)
  for (const code of [1, 41, 255]) t.notOk(isTransferOrMailQtype(code), `${code}`)
})

t.test('packetNamed is exactly the set dns-packet names', async (t) => {
  const require = createRequire(import.meta.url)
  const types = require('dns-packet/types.js') as { toString(n: number): string; toType(name: string): number }
  for (const rr of RR_TYPES) {
    if (rr.alias === true) continue
    const named = types.toString(rr.code)
    t.equal(named === rr.mnemonic, rr.packetNamed, `${rr.mnemonic}: dns-packet says ${named}`)
  }
  for (let code = 1; code < 65536; code++) {
    const m = types.toString(code)
    if (!m.startsWith('UNKNOWN_')) t.equal(rrTypeByCode(code)?.mnemonic, m, `dns-packet's ${m} is in the table`)
  }
})

t.test('storable types: everything but meta and query-only types and the obsolete ones no zone file uses', async (t) => {
  // The list record-validate.ts held before the table (issue #11): unchanged.
  const before = (
    'A NULL AAAA AFSDB APL CAA CDNSKEY CDS CERT CNAME DHCID DLV DNAME DNSKEY DS HIP HINFO IPSECKEY KEY KX LOC MX ' +
    'NAPTR NS NSEC NSEC3 NSEC3PARAM PTR RRSIG RP SIG SOA SPF SRV SSHFP TA TLSA TXT HTTPS SVCB URI OPENPGPKEY SMIMEA ' +
    'CSYNC ZONEMD EUI48 EUI64 NID L32 L64 LP X25 ISDN RT NSAPPTR PX GPOS MB MG MR MINFO MD MF AVC CLA IPN RESINFO AMTRELAY'
  ).split(' ')
  t.same([...STORABLE_TYPES].sort(), before.sort())
  for (const m of ['OPT', 'ANY', 'AXFR', 'IXFR', 'MAILA', 'MAILB', 'TSIG', 'TKEY']) t.notOk(STORABLE_TYPES.has(m), m)
})

t.test('every type docs/records.md lists is in the table, storable, with an RDATA shape', async (t) => {
  const doc = readFileSync(new URL('../../docs/records.md', import.meta.url), 'utf8')
  const section = doc.slice(doc.indexOf('## Types and values'), doc.indexOf('### Validation'))
  const listed = [...section.matchAll(/^\| ([A-Z0-9]+) \|/gm)].map((m) => m[1])
  t.ok(listed.length >= 16, `found ${listed.length} rows`)
  for (const m of listed) {
    const rr = rrTypeByMnemonic(m)
    t.ok(rr?.storable, `${m} storable`)
    t.ok(rr?.shape, `${m} has a shape`)
  }
  // "Other types known to DNS (DNSKEY, SSHFP, URI, NSEC, ...)"
  for (const m of ['DNSKEY', 'SSHFP', 'URI', 'NSEC']) t.ok(STORABLE_TYPES.has(m), m)
})
