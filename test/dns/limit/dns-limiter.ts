import dnsPacket from 'dns-packet'
import t from 'tap'
import { configDefaults } from '../../../src/config/validate.js'
import { DnsLimiter, dnsLimitSettingsFrom, hasDnsLimits, type DnsLimitSettings } from '../../../src/dns/limit/dns-limiter.js'

const OFF: DnsLimitSettings = {
  rateRps: 0, rateBurst: 50, mode: 'sliding_window', windowMs: 1000, maxPerWindow: 0, rrlMax: 0, rrlWindowMs: 1000, rrlSlip: 0.1, amplificationRatio: 0,
}

function reply(name: string, rcode = 0, txt = 'x'): Buffer {
  const out = dnsPacket.encode({
    type: 'response', id: 1, flags: 0, questions: [{ name, type: 'TXT', class: 'IN' }],
    answers: rcode === 0 ? [{ name, type: 'TXT', ttl: 60, data: txt }] : [],
  } as dnsPacket.Packet)
  out[3] |= rcode
  return out
}

t.test('settings come from the dnsplane.json keys; all off by default', async (t) => {
  t.same(dnsLimitSettingsFrom(configDefaults()), OFF)
  t.equal(hasDnsLimits(OFF), false)
  const c = {
    ...configDefaults(),
    dns_rate_limit_rps: 2.5, dns_rate_limit_burst: 7, dns_response_limit_mode: 'rrl', dns_sliding_window_seconds: 3,
    dns_max_responses_per_ip_window: 9, dns_rrl_max_per_bucket: 4, dns_rrl_window_seconds: 5, dns_rrl_slip: 0.5, dns_amplification_max_ratio: 6,
  } as const
  t.same(dnsLimitSettingsFrom(c), {
    rateRps: 2.5, rateBurst: 7, mode: 'rrl', windowMs: 3000, maxPerWindow: 9, rrlMax: 4, rrlWindowMs: 5000, rrlSlip: 0.5, amplificationRatio: 6,
  })
  for (const on of [{ rateRps: 1 }, { amplificationRatio: 2 }, { maxPerWindow: 1 }, { mode: 'rrl' as const, rrlMax: 1 }]) t.ok(hasDnsLimits({ ...OFF, ...on }), JSON.stringify(on))
  t.notOk(hasDnsLimits({ ...OFF, mode: 'rrl', maxPerWindow: 5 }), 'the window limit is not used in rrl mode')
})

t.test('query rate: the burst, then REFUSED, per client; other clients unaffected', async (t) => {
  const l = new DnsLimiter({ ...OFF, rateRps: 1, rateBurst: 3 })
  t.same([1, 2, 3, 4].map(() => l.admit('127.0.0.2', true, 0)), ['pass', 'pass', 'pass', 'refuse'])
  t.equal(l.admit('127.0.0.2', false, 0), 'refuse', 'every transport counts')
  t.equal(l.admit('127.0.0.3', false, 0), 'pass')
  t.equal(l.admit('2001:db8:1:1::1', false, 0), 'pass')
  t.equal(l.admit('127.0.0.2', true, 1000), 'pass', 'one token a second later')
  t.equal(l.counters.refused_rate, 2)
})

t.test('sliding window: responses per client per window over UDP only', async (t) => {
  const l = new DnsLimiter({ ...OFF, windowMs: 10_000, maxPerWindow: 2 })
  t.same([1, 2, 3].map(() => l.admit('192.0.2.1', true, 5)), ['pass', 'pass', 'refuse'])
  t.equal(l.admit('192.0.2.1', false, 5), 'pass', 'TCP sources are not spoofed: not limited')
  t.equal(l.admit('192.0.2.1', true, 9_999), 'refuse', 'still the same window')
  t.equal(l.admit('192.0.2.1', true, 30_000), 'pass', 'a later window')
  t.equal(l.counters.refused_window, 2)
  const rrlMode = new DnsLimiter({ ...OFF, mode: 'rrl', windowMs: 10_000, maxPerWindow: 1 })
  t.same([1, 2].map(() => rrlMode.admit('192.0.2.1', true, 5)), ['pass', 'pass'], 'off in rrl mode')
})

t.test('RRL: per (prefix, class, name) bucket; over it dropped, every 1/slip-th one truncated', async (t) => {
  const l = new DnsLimiter({ ...OFF, mode: 'rrl', rrlMax: 2, rrlWindowMs: 60_000, rrlSlip: 0.5 })
  const r = reply('victim.example')
  const out = Array.from({ length: 8 }, () => l.shapeUdpReply(r, 40, '198.51.100.7', 0))
  t.same(out.slice(0, 2), [r, r], 'within the bucket')
  t.same(out.slice(2).map((b) => (b === undefined ? 'drop' : dnsPacket.decode(b).flag_tc ? 'tc' : 'full')), ['drop', 'tc', 'drop', 'tc', 'drop', 'tc'])
  t.equal(l.shapeUdpReply(r, 40, '198.51.100.200', 0), undefined, 'same /24: same bucket')
  t.equal(l.shapeUdpReply(reply('other.example'), 40, '198.51.100.7', 0)?.length, reply('other.example').length, 'another name: another bucket')
  t.equal(l.shapeUdpReply(r, 40, '198.51.101.7', 0), r, 'another /24')
  t.equal(l.shapeUdpReply(r, 40, '198.51.100.7', 120_000), r, 'the window has passed')
  t.same({ ...l.counters, evictions: 0 }, { refused_rate: 0, refused_window: 0, rrl_dropped: 4, rrl_slipped: 3, amplification_truncated: 0, evictions: 0 })
  const errs = new DnsLimiter({ ...OFF, mode: 'rrl', rrlMax: 1, rrlWindowMs: 60_000, rrlSlip: 0 })
  t.equal(errs.shapeUdpReply(reply('a.example', 2), 40, '10.0.0.1', 0)?.length, reply('a.example', 2).length)
  t.equal(errs.shapeUdpReply(reply('b.example', 2), 40, '10.0.0.1', 0), undefined, 'errors share one bucket per client; slip 0 drops all')
  t.equal(errs.shapeUdpReply(Buffer.alloc(4), 40, '10.0.0.1', 0)?.length, 4, 'an unparsable reply passes')
  const all = new DnsLimiter({ ...OFF, mode: 'rrl', rrlMax: 1, rrlWindowMs: 60_000, rrlSlip: 1 })
  all.shapeUdpReply(r, 40, '10.0.0.1', 0)
  t.equal(dnsPacket.decode(all.shapeUdpReply(r, 40, '10.0.0.1', 0)!).flag_tc, true, 'slip 1: every over-limit reply truncated')
})

t.test('amplification cap: a reply over ratio x query goes out truncated', async (t) => {
  const l = new DnsLimiter({ ...OFF, amplificationRatio: 3 })
  const big = reply('a.example', 0, 'y'.repeat(200))
  const small = reply('a.example')
  t.equal(l.shapeUdpReply(small, 30, '10.0.0.1', 0), small)
  const out = l.shapeUdpReply(big, 30, '10.0.0.1', 0)!
  t.equal(dnsPacket.decode(out).flag_tc, true)
  t.ok(out.length <= 90)
  t.equal(l.shapeUdpReply(big, 100, '10.0.0.1', 0), big, 'a large enough query')
  t.equal(l.counters.amplification_truncated, 1)
  t.equal(l.shapeUdpReply(Buffer.alloc(200), 30, '10.0.0.1', 0)?.length, 200, 'an unparsable reply passes')
})

t.test('memory stays bounded whatever the number of clients', async (t) => {
  const l = new DnsLimiter({ ...OFF, rateRps: 1, rateBurst: 1, capacity: 100 })
  for (let i = 0; i < 1000; i++) l.admit(`10.0.${i >> 8}.${i & 255}`, true, 0)
  t.equal(l.counters.evictions, 900)
})
