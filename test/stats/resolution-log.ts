import t from 'tap'
import { ResolutionLog } from '../../src/stats/resolution-log.js'
import type { ResolutionEvent, ResolutionHit } from '../../src/stats/resolution.js'

const ev = (qname: string): ResolutionEvent => ({ at: 1, qname, qtype: 'A', outcome: 'upstream', upstream: '192.0.2.53:53', rcode: 'NOERROR', record: 'A 192.0.2.1', duration_ms: 7 })
const hit: ResolutionHit = { qname: 'hit.test', qtype: 'AAAA', rcode: 'NOERROR', record: 'AAAA 2001:db8::1' }

t.test('a hit reads as an event of duration 0, outcome local unless given', async (t) => {
  const log = new ResolutionLog(3)
  log.pushHit(5, '192.0.2.9', hit)
  log.pushHit(6, undefined, { ...hit, outcome: 'cache' })
  t.same(log.newest(), [
    { at: 6, client_ip: undefined, qname: 'hit.test', qtype: 'AAAA', outcome: 'cache', rcode: 'NOERROR', record: 'AAAA 2001:db8::1', duration_ms: 0 },
    { at: 5, client_ip: '192.0.2.9', qname: 'hit.test', qtype: 'AAAA', outcome: 'local', rcode: 'NOERROR', record: 'AAAA 2001:db8::1', duration_ms: 0 },
  ])
})

t.test('once full, hits reuse the slot objects the log made, and never a caller event', async (t) => {
  const log = new ResolutionLog(2)
  log.pushHit(1, 'a', hit)
  const first = log.newest(1)[0]
  const caller = ev('caller.test')
  log.push(caller)
  log.pushHit(2, 'b', { ...hit, qname: 'second.test' }) // overwrites the slot of the first hit: reused
  t.equal(log.newest(1)[0], first, 'the same object')
  t.equal(first.qname, 'second.test')
  log.pushHit(3, 'c', { ...hit, qname: 'third.test' }) // the caller's slot: a new object, the caller's left alone
  t.same(caller, ev('caller.test'))
  t.same(log.newest().map((e) => [e.qname, e.at]), [['third.test', 3], ['second.test', 2]])
  t.equal(log.length, 2)
})

t.test('clear forgets the owned slots too', async (t) => {
  const log = new ResolutionLog(1)
  log.pushHit(1, 'a', hit)
  const owned = log.newest()[0]
  log.clear()
  t.same(log.newest(), [])
  log.pushHit(2, 'b', hit)
  t.not(log.newest()[0], owned, 'a fresh object after clear')
})
