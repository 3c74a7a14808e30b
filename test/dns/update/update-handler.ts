import t from 'tap'
import pino from 'pino'
import { buildKeyring } from '../../../src/dns/tsig/keyring.js'
import { findTsig } from '../../../src/dns/tsig/tsig-record.js'
import { signMessage, TsigStreamVerifier } from '../../../src/dns/tsig/tsig.js'
import { networkList, UpdateHandler, type UpdateHandlerDeps } from '../../../src/dns/update/update-handler.js'
import { isUpdateMessage } from '../../../src/dns/update/update-message.js'
import { isDnsplaneError } from '../../../src/errors.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'
import { updateMessage } from '../../helpers/update-message.js'

const NOW_MS = 1_800_000_000_000
const SECRET = 'c2l4dGVlbiBieXRlcyBsb25nIHNlY3JldA=='
const rec = (name: string, type: string, value: string): DnsRecord => ({ name, type, value, ttl: 300, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME })
const keyring = buildKeyring([
  { name: 'ddns', algorithm: 'hmac-sha256', secret: SECRET, zones: ['example.test'], operations: ['update'] },
  { name: 'xfr-only', algorithm: 'hmac-sha256', secret: SECRET, operations: ['transfer'] },
], () => '')
const key = keyring.lookup('ddns')
if (!key) throw new Error('no key')

function setup(over: Partial<UpdateHandlerDeps> = {}) {
  let records: DnsRecord[] = [rec('example.test', 'SOA', 'ns1.example.test. h.example.test. 1 2 3 4 5'), rec('other.test', 'SOA', 'ns1.other.test. h.other.test. 1 2 3 4 5')]
  const writes: string[] = []
  const reports: unknown[] = []
  const deps: UpdateHandlerDeps = {
    store: {
      list: () => records,
      replaceWith: async (compute, source) => {
        const next = await compute(records)
        if (next === undefined) return false
        records = next.slice()
        writes.push(source)
        return true
      },
    },
    keyring, allowedNetworks: ['192.0.2.0/24', '2001:db8::/32'], localWritesAllowed: () => ({ ok: true }),
    newRecord: (v) => ({ ...rec(v.name, v.type, v.value), id: 'new' }), stamp: () => 'now', now: () => NOW_MS,
    log: pino({ level: 'silent' }), onReport: (r) => reports.push(r), ...over,
  }
  return { handler: new UpdateHandler(deps), records: () => records, writes, reports }
}
const add = (zone = 'example.test') => updateMessage(zone, [], [{ name: `www.${zone}`, type: 'A', value: '192.0.2.1', ttl: 60 }])
const rcode = (b: Buffer) => b[3] & 0x0f

t.test('a signed update is applied in one local write and the reply is signed with the request MAC', async (t) => {
  const s = setup()
  const signed = signMessage(add(), key, { now: NOW_MS / 1000 })
  const { reply, report } = await s.handler.handle(signed.message, '127.0.0.1')
  t.equal(rcode(reply), 0)
  t.equal(reply.readUInt16BE(4), 1, 'zone section echoed')
  t.same(s.writes, ['local'])
  t.ok(s.records().some((r) => r.name === 'www.example.test'))
  t.match(report, { zone: 'example.test', rcode: 'NOERROR', key: 'ddns', added: 1 })
  t.same(new TsigStreamVerifier(key, signed.mac).verify(reply, NOW_MS / 1000), { ok: true })
  t.equal(s.reports.length, 1)
})

t.test('policy: key grants, unsigned networks, local writes off, zones we do not hold', async (t) => {
  const s = setup()
  const other = await s.handler.handle(signMessage(add('other.test'), key, { now: NOW_MS / 1000 }).message)
  t.equal(rcode(other.reply), 5, 'the key is not granted other.test')
  const xfr = keyring.lookup('xfr-only')
  if (!xfr) throw new Error('no key')
  t.equal(rcode((await s.handler.handle(signMessage(add(), xfr, { now: NOW_MS / 1000 }).message)).reply), 5, 'transfer-only key')
  t.equal(rcode((await s.handler.handle(add(), '198.51.100.1')).reply), 5, 'unsigned from outside the networks')
  t.equal(rcode((await s.handler.handle(add(), undefined)).reply), 5, 'unsigned, no address')
  t.equal(rcode((await s.handler.handle(add(), '::ffff:192.0.2.9')).reply), 0, 'unsigned from an allowed (v4-mapped) address')
  t.equal(rcode((await s.handler.handle(add('nothere.test'), '192.0.2.9')).reply), 9, 'NOTAUTH before any policy')
  const off = setup({ localWritesAllowed: () => ({ ok: false, reason: 'cluster_reject_local_writes' }) })
  t.equal(rcode((await off.handler.handle(add(), '192.0.2.9')).reply), 5)
  t.same(off.writes, [])
})

t.test('TSIG failures answer NOTAUTH with the TSIG error; malformed messages FORMERR', async (t) => {
  const s = setup()
  const late = await s.handler.handle(signMessage(add(), key, { now: NOW_MS / 1000 - 1000 }).message)
  t.equal(rcode(late.reply), 9)
  t.equal(late.report.rcode, 'BADTIME')
  const found = findTsig(late.reply)
  t.equal(found && found !== 'formerr' && found.record.error, 18)
  const garbled = Buffer.from(add())
  garbled.writeUInt16BE(0, 4)
  const bad = await s.handler.handle(garbled, '192.0.2.1')
  t.equal(rcode(bad.reply), 1)
  t.equal(bad.reply.readUInt16BE(4), 0, 'no zone section echoed')
  t.equal(rcode((await s.handler.handle(signMessage(garbled, key, { now: NOW_MS / 1000 }).message)).reply), 1, 'TSIG unreadable: FORMERR')
  const notSoa = updateMessage('example.test', [], [], { zoneType: 1 })
  const signedBad = await s.handler.handle(signMessage(notSoa, key, { now: NOW_MS / 1000 }).message)
  t.equal(rcode(signedBad.reply), 1)
  t.ok(findTsig(signedBad.reply), 'a FORMERR to a verified request is signed')
})

t.test('a store write that fails is SERVFAIL', async (t) => {
  const s = setup({ store: { list: () => [rec('example.test', 'SOA', 'a. b. 1 2 3 4 5')], replaceWith: async () => { throw new Error('disk full') } } })
  t.equal(rcode((await s.handler.handle(add(), '192.0.2.1')).reply), 2)
})

t.test('isUpdateMessage and update_allowed_networks parsing', async (t) => {
  t.equal(isUpdateMessage(add()), true)
  t.equal(isUpdateMessage(Buffer.alloc(12)), false)
  t.equal(isUpdateMessage(Buffer.alloc(4)), false)
  t.ok(networkList(['10.0.0.1', '::1', '10.0.0.0/8']))
  for (const bad of ['10.0.0.0/33', 'nonsense', '10.0.0.0/8/1', '::/129', '10.0.0.0/x']) {
    let message = ''
    try {
      networkList(['192.0.2.0/24', bad])
    } catch (err) {
      if (isDnsplaneError(err, 'ERR_CONFIG_INVALID')) message = err.message
    }
    t.match(message, /^update_allowed_networks\[1\]: /, bad)
  }
})
