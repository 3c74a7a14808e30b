/** DnsResponder with a BlockList: listed names answered 0.0.0.0, local records first, fast path dropped on reload. */
import t from 'tap'
import dnsPacket from 'dns-packet'
import pino from 'pino'
import { DnsResponder } from '../../../src/dns/serve/responder.js'
import type { DnsServerOptions } from '../../../src/dns/serve/options.js'
import type { QueryEvent } from '../../../src/dns/serve/query-event.js'
import type { UpstreamResolver } from '../../../src/dns/forward/upstream.js'
import { BlockList } from '../../../src/dns/block/block-list.js'
import { RecordIndex } from '../../../src/store/record-index.js'
import { GO_ZERO_TIME } from '../../../src/store/record.js'

const index = RecordIndex.build([{ name: 'mine.test', type: 'A', value: '192.0.2.1', ttl: 300, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME }], 1)
const opts: DnsServerOptions = {
  bind: '127.0.0.1', port: 0, localRecordsEnabled: true, autoBuildPtrFromA: false, refuseAny: false,
  maxEdnsUdpPayload: 1232, tcpIdleTimeoutMs: 1000, tcpMaxConnections: 4, upstreamTimeoutMs: 200,
}
// every forwarded answer comes "from the cache", so the UDP fast path keeps it
const resolver: UpstreamResolver = {
  resolve: async (q) => ({ kind: 'answer', rcode: 'NOERROR', answers: [{ name: q.name, type: 'A', ttl: 60, data: '198.51.100.1' }], authorities: [], fromCache: true }),
}
const query = (name: string): Buffer => dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A', class: 'IN' }] })
const dataOf = async (r: ReturnType<DnsResponder['handle']>) => (dnsPacket.decode((await r) as Buffer).answers?.[0] as { data?: unknown } | undefined)?.data

t.test('blocked names: 0.0.0.0 with outcome blocked, local records win, a reload drops fast-path answers', async (t) => {
  const blocklist = new BlockList(new Set(['ads.test', 'mine.test']))
  const events: QueryEvent[] = []
  const r = new DnsResponder(opts, { getIndex: () => index, log: pino({ level: 'silent' }), now: () => 1000, resolver, blocklist, sink: { record: (e) => events.push(e) } })
  t.equal(await dataOf(r.handle(query('ads.test'), 'udp')), '0.0.0.0')
  t.equal(events.at(-1)?.outcome, 'blocked')
  t.equal(await dataOf(r.handle(query('mine.test'), 'udp')), '192.0.2.1', 'local record wins')
  t.equal(await dataOf(r.handle(query('later.test'), 'udp')), '198.51.100.1')
  t.equal(await dataOf(r.handle(query('later.test'), 'udp')), '198.51.100.1', 'now from the fast path')
  t.equal(events.at(-1)?.outcome, 'cache')
  blocklist.replace(new Set(['later.test']))
  t.equal(await dataOf(r.handle(query('later.test'), 'udp')), '0.0.0.0', 'blocked after the reload, not served from the fast path')
})
