import t from 'tap'
import pino from 'pino'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ForwardValidator, loadTrustAnchors } from '../../../src/dns/forward/validation.js'
import type { Forwarder } from '../../../src/dns/forward/forwarder.js'
import { parseDs } from '../../../src/dnssec/validate/records.js'

const log = pino({ level: 'silent' })

t.test('anchors: built in when no file is named, else read from the file', async (t) => {
  t.same((await loadTrustAnchors('')).map((a) => parseDs(a.rdata)?.keyTag), [20326, 38696])
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-anchors-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'ok'), 'example. DS 1 13 2 00ff\n')
  t.match(await loadTrustAnchors(join(dir, 'ok')), [{ zone: 'example' }])
  await writeFile(join(dir, 'bad'), '\nexample. A 192.0.2.1\n')
  await t.rejects(loadTrustAnchors(join(dir, 'bad')), /bad:2: type A/)
})

t.test('a reply that does not parse is bogus, and counted', async (t) => {
  const forwarder: Forwarder = { forward: async () => ({ kind: 'none', reason: 'all_failed', failures: [] }) }
  const v = new ForwardValidator({ anchors: await loadTrustAnchors(''), strict: true }, { forwarder, endpointsFor: () => [], timeoutMs: 100, now: Date.now, log })
  t.match(await v.check('example', 'A', Buffer.alloc(3)), { status: 'bogus', ede: 6 })
  t.match(await v.check('example', 'A', undefined), { status: 'bogus' })
  t.equal(v.counts.bogus, 2)
})

t.test('chain lookups that get no answer make a bogus verdict, not a crash', async (t) => {
  const asked: string[] = []
  const forwarder: Forwarder = { forward: async (r) => (asked.push(`${r.name} ${r.type} ${r.dnssec}`), { kind: 'none', reason: 'timeout', failures: [] }) }
  const v = new ForwardValidator({ anchors: await loadTrustAnchors(''), strict: false }, { forwarder, endpointsFor: () => [], timeoutMs: 100, now: Date.now, log })
  const msg = Buffer.from('00018180000100010000000003777777076578616d706c6500000100010377777707657861' + '6d706c6500000100010000003c0004c0000201', 'hex')
  t.match(await v.check('www.example', 'A', msg), { status: 'bogus', ede: 9 })
  t.same(asked, [' DNSKEY true'], 'the root DNSKEY, asked with DO')
})
