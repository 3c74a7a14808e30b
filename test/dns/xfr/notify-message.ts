import t from 'tap'
import dnsPacket from 'dns-packet'
import { notifyMessage, notifyReply, OPCODE_NOTIFY, parseNotifyTargets } from '../../../src/dns/xfr/notify-message.js'
import { servedSoa } from '../../../src/zones/zone-content.js'
import { encodeRdata } from '../../../src/dns/wire/rdata.js'
import { recordsOf } from '../../helpers/dns-packet.js'

t.test('zone_also_notify entries: every zone or one zone, IPv4 and bracketed IPv6, default port 53', async (t) => {
  const { targets, invalid } = parseNotifyTargets(['192.0.2.1', 'Example.ORG. 192.0.2.2:5300', '[2001:db8::1]:53000', '2001:db8::2', 'a b c', 'z.test host.example:53', '192.0.2.1:0', '192.0.2.1:x'])
  t.same(targets, [
    { zone: undefined, host: '192.0.2.1', port: 53, label: '192.0.2.1:53' },
    { zone: 'example.org', host: '192.0.2.2', port: 5300, label: '192.0.2.2:5300' },
    { zone: undefined, host: '2001:db8::1', port: 53000, label: '[2001:db8::1]:53000' },
    { zone: undefined, host: '2001:db8::2', port: 53, label: '[2001:db8::2]:53' },
  ])
  t.same(invalid, ['a b c', 'z.test host.example:53', '192.0.2.1:0', '192.0.2.1:x'])
})

t.test('the NOTIFY query carries the zone SOA question and the SOA; replies are read by id and rcode', async (t) => {
  const soa = servedSoa({ apex: 'z.test', soaTtl: 300, soaRdata: encodeRdata('SOA', 'ns.z.test. h.z.test. 1 2 3 4 5') as Buffer }, 99)
  const msg = notifyMessage(4242, 'z.test', soa)
  const d = dnsPacket.decode(msg)
  t.equal(d.id, 4242)
  t.equal(d.opcode, 'NOTIFY')
  t.ok(d.flag_aa)
  t.same(d.questions, [{ name: 'z.test', type: 'SOA', class: 'IN' }])
  const rr = recordsOf(d.answers)[0]
  t.equal(rr?.type === 'SOA' ? rr.data.serial : undefined, 99)
  t.equal(notifyReply(msg), undefined, 'a query is no reply')
  const reply = Buffer.from(msg)
  reply.writeUInt16BE(0x8000 | (OPCODE_NOTIFY << 11) | 5, 2)
  t.same(notifyReply(reply), { id: 4242, rcode: 5 })
  reply.writeUInt16BE(0x8000, 2)
  t.equal(notifyReply(reply), undefined, 'a plain query response')
  t.equal(notifyReply(Buffer.alloc(4)), undefined)
})

t.test('zone_also_notify entries may name a TSIG key to sign with (key=NAME, last)', async (t) => {
  const { targets, invalid } = parseNotifyTargets(['z.test 192.0.2.1 key=Notify-Key.', '192.0.2.2:5300 key=k2', 'z.test 192.0.2.3 key=', 'key=k3'])
  t.same(targets.map((x) => [x.zone, x.label, x.key]), [['z.test', '192.0.2.1:53', 'notify-key'], [undefined, '192.0.2.2:5300', 'k2']])
  t.same(invalid, ['z.test 192.0.2.3 key=', 'key=k3'], 'an empty key name, or a key with no address')
})
