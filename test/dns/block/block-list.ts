import t from 'tap'
import fc from 'fast-check'
import { BlockList, normalizeName, parseBlockList } from '../../../src/dns/block/block-list.js'
import { blockedAnswer, BLOCKED_TTL } from '../../../src/dns/block/blocked-answer.js'
import { wireFromAnswer } from '../../../src/dns/serve/responder.js'

const parse = (text: string) => {
  const names = new Set<string>()
  const skipped = parseBlockList(text, names)
  return { names: [...names].sort(), skipped }
}

t.test('hosts format: sink addresses block, several names per line, comments and noise ignored', async (t) => {
  const r = parse([
    '# StevenBlack-style header',
    '127.0.0.1 localhost',
    '::1 ip6-localhost ip6-loopback',
    '0.0.0.0 0.0.0.0',
    '0.0.0.0 Ads.Example.COM. tracker.example.net # trailing comment',
    '127.0.0.1\tpixel.example.org',
    '192.168.1.10 nas.lan',
    '',
    '   ',
  ].join('\r\n'))
  t.same(r.names, ['ads.example.com', 'pixel.example.org', 'tracker.example.net'])
  t.equal(r.skipped, 0)
})

t.test('plain domain lists and invalid lines', async (t) => {
  const r = parse('doubleclick.net\n_dmarc.example.com\nbad..name\n-lead.example\nfoo bar\n' + 'a'.repeat(64) + '.com\n')
  t.same(r.names, ['_dmarc.example.com', 'doubleclick.net'])
  t.equal(r.skipped, 4, 'empty label, leading hyphen, two words without an address, 64-octet label')
})

t.test('normalizeName', async (t) => {
  t.equal(normalizeName('WWW.Example.com.'), 'www.example.com')
  t.equal(normalizeName('.'), undefined)
  t.equal(normalizeName('localhost'), undefined)
  t.equal(normalizeName('x'.repeat(250) + '.com'), undefined)
})

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/)
const domain = fc.array(label, { minLength: 2, maxLength: 4 }).map((ls) => ls.join('.'))

t.test('property: every listed name matches in any case, no other name does (exact, no subdomains)', async () => {
  fc.assert(fc.property(fc.uniqueArray(domain, { maxLength: 30 }), domain, fc.boolean(), (names, other, hosts) => {
    const set = new Set<string>()
    parseBlockList(names.map((n) => (hosts ? `0.0.0.0 ${n.toUpperCase()}` : n + '.')).join('\n'), set)
    const list = new BlockList(set)
    for (const n of names) if (!list.has(n)) return false
    if (names.length > 0 && list.has('sub.' + names[0]) && !names.includes('sub.' + names[0])) return false
    return list.has(other) === names.includes(other)
  }))
})

t.test('replace swaps the set and bumps the generation', async (t) => {
  const list = new BlockList()
  t.equal(list.size, 0)
  list.replace(new Set(['a.example']))
  t.equal(list.generation, 1)
  t.ok(list.has('a.example'))
})

t.test('blocked answers: A 0.0.0.0, AAAA ::, TTL 300, other types NODATA', async (t) => {
  const a = blockedAnswer('Ads.example', 1, wireFromAnswer)
  t.equal(a.length, 1)
  t.equal(a[0].name, 'ads.example')
  t.same([...a[0].body.subarray(-4)], [0, 0, 0, 0])
  t.equal(a[0].body.readUInt32BE(4), BLOCKED_TTL)
  const aaaa = blockedAnswer('ads.example', 28, wireFromAnswer)
  t.equal(aaaa[0].body.length, 10 + 16)
  t.same(blockedAnswer('ads.example', 16, wireFromAnswer), [])
  t.same(blockedAnswer('ads.example', 1, () => undefined), [])
})
