import t from 'tap'
import dgram from 'node:dgram'
import pino from 'pino'
import { Notifier, type NotifyResult } from '../../../src/dns/xfr/notifier.js'
import { OPCODE_NOTIFY, parseNotifyTargets } from '../../../src/dns/xfr/notify-message.js'
import { servedSoa } from '../../../src/zones/zone-content.js'
import { encodeRdata } from '../../../src/dns/wire/rdata.js'
import { waitFor } from '../../helpers/daemon.js'

const soa = servedSoa({ apex: 'z.test', soaTtl: 300, soaRdata: encodeRdata('SOA', 'ns.z.test. h.z.test. 1 2 3 4 5') as Buffer }, 7)

/** A secondary on loopback that answers NOTIFYs with the rcodes given in turn (then NOERROR). */
async function secondary(rcodes: number[]): Promise<{ port: number; got: Buffer[]; close: () => void }> {
  const sock = dgram.createSocket('udp4')
  const got: Buffer[] = []
  sock.on('message', (msg, from) => {
    got.push(msg)
    const reply = Buffer.from(msg.subarray(0, 12))
    reply.writeUInt16BE(0x8000 | (OPCODE_NOTIFY << 11) | (rcodes.shift() ?? 0), 2)
    sock.send(reply, from.port, from.address)
  })
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()))
  return { port: sock.address().port, got, close: () => sock.close() }
}

t.test('a burst of changes is one NOTIFY; an error reply is retried until NOERROR', async (t) => {
  const sec = await secondary([5])
  t.teardown(sec.close)
  const results: NotifyResult[] = []
  const n = new Notifier({
    targets: () => parseNotifyTargets([`z.test 127.0.0.1:${sec.port}`, '192.0.2.1 other.test']).targets,
    soaOf: (zone) => (zone === 'z.test' ? soa : undefined),
    log: pino({ level: 'silent' }),
    onResult: (r) => results.push(r),
  })
  t.teardown(() => n.close())
  n.zoneChanged('z.test')
  n.zoneChanged('z.test')
  n.zoneChanged('other.test') // no target for it
  t.ok(await waitFor(() => results.length >= 2, 10_000), 'refused, then acknowledged')
  t.same(results.slice(0, 2), ['error', 'ok'])
  t.equal(sec.got.length, 2, 'one NOTIFY, one retry')
  t.equal(sec.got[0].readUInt16BE(2) >> 11 & 0x0f, OPCODE_NOTIFY)
})

t.test('a change while one is in flight sends again after the reply; a zone gone sends nothing', async (t) => {
  const sec = await secondary([])
  t.teardown(sec.close)
  const results: NotifyResult[] = []
  let zoneSoa: typeof soa | undefined = soa
  const n = new Notifier({
    targets: () => parseNotifyTargets([`127.0.0.1:${sec.port}`]).targets,
    soaOf: () => zoneSoa,
    log: pino({ level: 'silent' }),
    onResult: (r) => results.push(r),
  })
  t.teardown(() => n.close())
  n.zoneChanged('z.test')
  await waitFor(() => sec.got.length >= 1, 5000)
  n.zoneChanged('z.test') // may land while the first is in flight or after: either way one more NOTIFY
  t.ok(await waitFor(() => sec.got.length >= 2 && results.length >= 2, 10_000), 'sent again')
  zoneSoa = undefined
  n.zoneChanged('z.test')
  await new Promise((r) => setTimeout(r, 1500))
  t.equal(sec.got.length, 2, 'the zone is gone: nothing sent')
  n.close()
  n.zoneChanged('z.test')
  t.pass('closed: ignored')
})

t.test('no reply: retried with backoff, then given up', async (t) => {
  const results: NotifyResult[] = []
  const silent = dgram.createSocket('udp4')
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()))
  t.teardown(() => silent.close())
  let now = 0
  const n = new Notifier({
    targets: () => parseNotifyTargets([`127.0.0.1:${silent.address().port}`]).targets,
    soaOf: () => soa,
    log: pino({ level: 'silent' }),
    onResult: (r) => results.push(r),
    now: () => now,
    maxAttempts: 2,
    replyWaitMs: 200, // no reply is coming: the 2 s default proved nothing more
  })
  t.teardown(() => n.close())
  n.zoneChanged('z.test')
  t.ok(await waitFor(() => results.length >= 1, 10_000))
  now = 10_000 // the backoff has passed: the retry goes out at once
  t.ok(await waitFor(() => results.length >= 2, 10_000))
  t.same(results, ['timeout', 'timeout'], 'two attempts, then it gives up')
  await new Promise((r) => setTimeout(r, 300))
  t.equal(results.length, 2)
})

t.test('a target with a key gets the NOTIFY through sign(); a key that cannot sign is a send failure', async (t) => {
  const sec = await secondary([])
  t.teardown(sec.close)
  const results: NotifyResult[] = []
  const signedFor: string[] = []
  let broken = false
  const n = new Notifier({
    targets: () => parseNotifyTargets([`127.0.0.1:${sec.port} key=k1`]).targets,
    soaOf: () => soa,
    log: pino({ level: 'silent' }),
    onResult: (r) => results.push(r),
    maxAttempts: 1,
    sign: (msg, target, zone) => {
      if (broken) throw new Error('no such key')
      signedFor.push(`${target.key} ${zone}`)
      return Buffer.concat([msg, Buffer.from('SIGNED')])
    },
  })
  t.teardown(() => n.close())
  n.zoneChanged('z.test')
  t.ok(await waitFor(() => results.length >= 1, 5000))
  t.same(signedFor, ['k1 z.test'])
  t.equal(sec.got[0].subarray(-6).toString(), 'SIGNED', 'the signed message is what is sent')
  broken = true
  n.zoneChanged('y.test')
  t.ok(await waitFor(() => results.length >= 2, 5000))
  t.same(results, ['ok', 'send_failed'])
  t.equal(sec.got.length, 1, 'nothing sent unsigned')
})
