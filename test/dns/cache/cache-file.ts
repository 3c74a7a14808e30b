import t from 'tap'
import pino from 'pino'
import { readFile, writeFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Answer } from 'dns-packet'
import { ResponseCache } from '../../../src/dns/cache/response-cache.js'
import { CacheFileSaver, loadCacheFile, parseCacheFile, RRSET_PREFIX, serializeCache } from '../../../src/dns/cache/cache-file.js'
import { formatRdata, parseAnswer } from '../../../src/dns/wire/upstream-rr.js'

const log = pino({ level: 'silent' })
const T0 = Date.UTC(2024, 0, 1)

const rr = (name: string, type: string, data: unknown, ttl = 300): Answer => ({ name, type, class: 'IN', ttl, data }) as Answer

function filled(): ResponseCache {
  const c = new ResponseCache({ minTtlSeconds: 60, staleWhileRevalidate: false })
  c.set('example.com', 'A', { rcode: 'NOERROR', answers: [rr('example.com', 'A', '192.0.2.1'), rr('example.com', 'A', '192.0.2.2')], authorities: [] }, T0)
  c.set('www.example.com', 'A', { rcode: 'NOERROR', answers: [rr('www.example.com', 'CNAME', 'example.com'), rr('example.com', 'A', '192.0.2.1')], authorities: [] }, T0)
  c.set('example.com', 'MX', { rcode: 'NOERROR', answers: [rr('example.com', 'MX', { preference: 10, exchange: 'mail.example.com' })], authorities: [] }, T0)
  c.set('example.com', 'TXT', { rcode: 'NOERROR', answers: [rr('example.com', 'TXT', [Buffer.from('v=spf1 "x" -all')])], authorities: [] }, T0)
  c.set('example.com', 'HTTPS', { rcode: 'NOERROR', answers: [rr('example.com', 'UNKNOWN_65', Buffer.from('0001000001000302683200', 'hex'))], authorities: [] }, T0)
  c.set('nope.example.com', 'A', { rcode: 'NXDOMAIN', answers: [], authorities: [rr('example.com', 'SOA', { mname: 'ns', rname: 'h', minimum: 60 }, 60)] }, T0)
  return c
}

t.test('RDATA text round-trips for common and generic types', async (t) => {
  const table: [string, unknown, string][] = [
    ['A', '192.0.2.1', '192.0.2.1'],
    ['AAAA', '2001:db8::1', '2001:db8::1'],
    ['CNAME', 'example.com', 'example.com.'],
    ['MX', { preference: 10, exchange: 'mail.example.com' }, '10 mail.example.com.'],
    ['SRV', { priority: 1, weight: 2, port: 5060, target: 'sip.example.com' }, '1 2 5060 sip.example.com.'],
    ['TXT', [Buffer.from('a "b"\\'), Buffer.from([0x01])], '"a \\"b\\"\\\\" "\\001"'],
    ['SOA', { mname: 'ns1.example.com', rname: 'h.example.com', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 }, 'ns1.example.com. h.example.com. 1 2 3 4 5'],
    ['CAA', { flags: 0, tag: 'issue', value: 'letsencrypt.org', issuerCritical: false }, '0 issue "letsencrypt.org"'],
    ['DS', { keyTag: 1, algorithm: 8, digestType: 2, digest: Buffer.from('abcd', 'hex') }, '\\# 6 00010802abcd'],
  ]
  for (const [type, data, text] of table) {
    const answer = rr('example.com', type, data)
    t.equal(formatRdata(answer), text, `${type} formats`)
    const back = parseAnswer('example.com.', type, 300, text)
    t.same(back && formatRdata(back), text, `${type} parses back`)
  }
  t.equal(parseAnswer('x', 'A', 1, '300.1.1.1'), undefined)
  t.equal(parseAnswer('x', 'MX', 1, 'ten mail'), undefined)
  t.equal(parseAnswer('x', 'TXT', 1, '"unterminated'), undefined)
})

t.test('save then load restores every positive entry, chains included', async (t) => {
  const text = serializeCache(filled().entries(), T0 + 1000)
  const doc = JSON.parse(text)
  t.ok(doc.cache.some((r: { dns_record: { value: string } }) => r.dns_record.value.startsWith(RRSET_PREFIX)), 'writes RRSET rows')
  t.ok(doc.cache.every((r: { expiry: string; timestamp: string; last_query: string }) => r.expiry && r.timestamp && r.last_query))
  const parsed = parseCacheFile(text, T0 + 1000)
  t.equal(parsed.error, undefined)
  t.equal(parsed.skipped, 0)
  const c = new ResponseCache({ minTtlSeconds: 60, staleWhileRevalidate: false })
  for (const e of parsed.entries) c.restore(e)
  const www = c.get('www.example.com', 'A', T0 + 2000)
  t.same(www?.response.answers.map((a) => a.type), ['CNAME', 'A'])
  t.equal(c.get('example.com', 'A', T0 + 2000)?.response.answers.length, 2)
  t.equal(c.get('example.com', 'MX', T0 + 2000)?.remainingSeconds, 298)
  const txt = c.get('example.com', 'TXT', T0 + 2000)?.response.answers[0]
  t.same(txt && formatRdata(txt), '"v=spf1 \\"x\\" -all"')
  t.ok(c.get('example.com', 'HTTPS', T0 + 2000), 'HTTPS via RFC 3597 text')
  t.equal(c.get('nope.example.com', 'A', T0 + 2000), undefined, 'negative entries are not saved')
})

t.test('expired, malformed and unparsable rows are skipped', async (t) => {
  const future = new Date(T0 + 60_000).toISOString()
  const rec = (type: string, value: string, ttl: unknown = 60) => ({ name: 'x.example', type, value, ttl })
  const text = JSON.stringify({
    cache: [
      { dns_record: rec('A', '192.0.2.1'), expiry: future, timestamp: future, last_query: future },
      { dns_record: rec('A', '192.0.2.2'), expiry: new Date(T0 - 1).toISOString(), timestamp: future, last_query: future },
      { dns_record: rec('A', 'not-an-ip'), expiry: future },
      { dns_record: rec('A', '192.0.2.3', 'x'), expiry: future },
      { dns_record: rec('A', '192.0.2.4'), expiry: 'yesterday' },
      { dns_record: rec('A', `${RRSET_PREFIX}\ngarbage`), expiry: future },
      'row',
      null,
    ],
  })
  const parsed = parseCacheFile(text, T0)
  t.equal(parsed.entries.length, 1)
  t.equal(parsed.entries[0].answers.length, 1)
  t.equal(parsed.skipped, 7)
})

t.test('a file that is not JSON or not the expected shape gives an error, never a throw', async (t) => {
  for (const text of ['{', '[]', '{"cache":{}}', 'null']) {
    const parsed = parseCacheFile(text, T0)
    t.ok(parsed.error, JSON.stringify(text))
    t.equal(parsed.entries.length, 0)
  }
  t.same(parseCacheFile('{}', T0), { entries: [], skipped: 0 })
})

t.test('loadCacheFile tolerates a missing or bad file; the saver writes on change and at stop', async (t) => {
  const dir = t.testdir({ 'bad.json': '{not json' })
  const cache = new ResponseCache({ minTtlSeconds: 60, staleWhileRevalidate: false })
  t.equal(await loadCacheFile(join(dir, 'missing.json'), cache, { now: () => T0, log }), 0)
  t.equal(await loadCacheFile(join(dir, 'bad.json'), cache, { now: () => T0, log }), 0)
  const path = join(dir, 'dnscache.json')
  const source = filled()
  const saver = new CacheFileSaver({ path, intervalSeconds: 3600 }, { cache: source, now: () => T0 + 1000, log })
  saver.start()
  source.remove('example.com', 'TXT')
  await saver.stop()
  const st = await stat(path)
  t.equal(st.mode & 0o777, 0o600)
  t.equal(await loadCacheFile(path, cache, { now: () => T0 + 1000, log }), 4)
  await writeFile(path, 'unchanged marker')
  await saver.flush()
  t.equal(await readFile(path, 'utf8'), 'unchanged marker', 'no write when nothing changed')
})
