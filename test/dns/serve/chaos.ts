import t from 'tap'
import { chaosAnswer } from '../../../src/dns/serve/chaos.js'
import type { ParsedQuery } from '../../../src/dns/wire/wire.js'

const q = (qkey: string, qtype = 16): ParsedQuery => ({ id: 1, flags: 0, opcode: 0, qname: qkey, qkey, qtype, qclass: 3, question: Buffer.alloc(0) })
const o = { chaosIdentity: 'node-1', chaosVersion: 'dnsplane 0.1.0' }

t.test('id.server and hostname.bind give the identity, version.* the version, as CH TXT with TTL 0', async (t) => {
  for (const name of ['id.server', 'hostname.bind']) {
    const rr = chaosAnswer(q(name), o)
    t.equal(rr?.body.readUInt16BE(2), 3, 'class CH')
    t.equal(rr?.body.readUInt32BE(4), 0)
    t.equal(rr?.body.subarray(11).toString(), 'node-1')
  }
  t.equal(chaosAnswer(q('version.bind', 255), o)?.body.subarray(11).toString(), 'dnsplane 0.1.0')
})

t.test('nothing for other names, other types, or a switched-off answer', async (t) => {
  t.equal(chaosAnswer(q('other.bind'), o), undefined)
  t.equal(chaosAnswer(q('id.server', 1), o), undefined)
  t.equal(chaosAnswer(q('version.server'), { chaosIdentity: 'x' }), undefined)
  t.equal(chaosAnswer(q('id.server'), { chaosIdentity: '' }), undefined)
  t.equal(chaosAnswer(q('id.server'), { chaosIdentity: () => 'late-id' })?.body.subarray(11).toString(), 'late-id', 'a function is asked per query')
})
