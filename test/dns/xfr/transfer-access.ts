import t from 'tap'
import dnsPacket from 'dns-packet'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'
import { parseQuery } from '../../../src/dns/wire/wire.js'
import { buildKeyring } from '../../../src/dns/tsig/keyring.js'
import { signMessage, TsigStreamVerifier } from '../../../src/dns/tsig/tsig.js'
import { parseNetworks } from '../../../src/dns/xfr/networks.js'
import { answerTransfer } from '../../../src/dns/xfr/transfer.js'
import { transferAccess } from '../../../src/dns/xfr/transfer-access.js'
import { ZoneTracker } from '../../../src/zones/zone-tracker.js'

const NOW = 1_800_000_000
const SECRET = Buffer.from('dnsplane zone transfer test key!').toString('base64')
const keyring = buildKeyring([
  { name: 'xfr-key', algorithm: 'hmac-sha256', secret: SECRET, operations: ['transfer'], zones: ['z.test'] },
  { name: 'upd-key', algorithm: 'hmac-sha256', secret: SECRET, operations: ['update'] },
], () => '')
const rec = (name: string, type: string, value: string): DnsRecord => ({ name, type, value, ttl: 300, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME })
const zone = [rec('z.test', 'SOA', 'ns.z.test. h.z.test. 1 2 3 4 5'), ...Array.from({ length: 2000 }, (_, i) => rec(`h${i}.z.test`, 'TXT', `"${'x'.repeat(30)} ${i}"`))]
const tracker = new ZoneTracker({ maxDiffs: 1, maxBytes: 1000 })
tracker.load(zone, new Map(), NOW)
const input = { enabled: true, networks: parseNetworks(['192.0.2.0/24']).networks, keyring, clientIp: '198.51.100.1', now: NOW }

function request(keyName?: string, at = NOW) {
  const plain = dnsPacket.encode({ type: 'query', id: 77, questions: [{ type: 'AXFR', name: 'z.test' }] })
  const key = keyName ? keyring.lookup(keyName) ?? { name: keyName, algorithm: 'hmac-sha256' as const, secret: Buffer.from(SECRET, 'base64') } : undefined
  const signed = key ? signMessage(plain, key, { now: at }) : undefined
  const msg = signed?.message ?? plain
  const p = parseQuery(msg)
  if (p.kind !== 'query') throw new Error('bad query')
  return { q: p.query, msg, mac: signed?.mac }
}

t.test('a signed AXFR spanning many messages: every message verifies in order (RFC 8945 5.3.1)', async (t) => {
  const { q, msg, mac } = request('xfr-key')
  const access = transferAccess(q, msg, input)
  if (access.kind !== 'decide') throw new Error('expected a decision')
  t.ok(access.allowed, 'the key grants transfer of z.test from any address')
  t.equal(access.key, 'xfr-key')
  const answer = answerTransfer(q, msg, tracker, access.allowed, true)
  // signed as the daemon does: the first messages, then each batch of a streamed AXFR in turn
  // a slow transfer: each batch is signed (and checked by the client) 400 s after the one before, beyond the 300 s fudge
  const unsigned = [...answer.messages]
  const signed = access.sign(answer.messages)
  const times = signed.map(() => NOW)
  let batches = 0
  for (let b = answer.more?.(); b !== undefined; b = answer.more?.(), batches++) {
    unsigned.push(...b)
    const at = NOW + 400 * (batches + 1)
    signed.push(...access.sign(b, at))
    times.push(...b.map(() => at))
  }
  t.ok(batches > 1, `streamed in ${batches} batches`)
  t.ok(signed.length > 2, `${signed.length} messages`)
  const verifier = new TsigStreamVerifier(keyring.lookup('xfr-key')!, mac!)
  t.same(signed.map((m, i) => verifier.verify(m, times[i])), signed.map(() => ({ ok: true })), 'the chain holds across batches, each signed at its own time')
  t.same(signed.map((m, i) => m.readUInt16BE(10) - unsigned[i].readUInt16BE(10)), signed.map(() => 1), 'every message carries a TSIG, the last included')
  const again = new TsigStreamVerifier(keyring.lookup('xfr-key')!, mac!)
  t.same(again.verify(unsigned[0], NOW), { ok: false, reason: 'unsigned' }, 'an unsigned first message would fail')
})

t.test('unsigned requests go by address; keys without the grant, unknown keys and bad times are refused', async (t) => {
  const plain = request()
  const a = transferAccess(plain.q, plain.msg, input)
  t.equal(a.kind === 'decide' && a.allowed, false, 'unsigned from an address not listed')
  const b = transferAccess(plain.q, plain.msg, { ...input, clientIp: '192.0.2.9' })
  t.equal(b.kind === 'decide' && b.allowed, true)
  t.same(b.kind === 'decide' && b.sign([Buffer.from('x')]), [Buffer.from('x')], 'unsigned answers stay unsigned')
  const off = transferAccess(plain.q, plain.msg, { ...input, enabled: false, clientIp: '192.0.2.9' })
  t.equal(off.kind === 'decide' && off.allowed, false, 'axfr_enabled false')
  const upd = request('upd-key')
  const c = transferAccess(upd.q, upd.msg, input)
  t.equal(c.kind === 'decide' && c.allowed, false, 'a key for updates only')
  const unknown = request('nobody')
  const d = transferAccess(unknown.q, unknown.msg, input)
  t.equal(d.kind, 'reply')
  if (d.kind === 'reply') {
    t.equal(d.answer.kind, 'tsig_error')
    t.equal(d.answer.tsigError, 'BADKEY')
    t.equal(d.answer.messages[0][3] & 0x0f, 9, 'NOTAUTH')
  }
  const late = request('xfr-key', NOW - 1000)
  const e = transferAccess(late.q, late.msg, input)
  t.equal(e.kind === 'reply' && e.answer.tsigError, 'BADTIME')
  const broken = Buffer.from(request('xfr-key').msg)
  broken.writeUInt16BE(0xffff, broken.length - 8) // MAC size field of nothing sensible: cut off the TSIG RDATA
  const f = transferAccess(request().q, broken.subarray(0, broken.length - 4), input)
  t.equal(f.kind === 'reply' ? f.answer.kind : f.kind, 'formerr')
})
