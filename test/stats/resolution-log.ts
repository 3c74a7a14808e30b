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

t.test('once full, hits and events overwrite each other slot by slot; a caller event is never changed', async (t) => {
  const log = new ResolutionLog(2)
  log.pushHit(1, 'a', hit)
  const caller = ev('caller.test')
  log.push(caller)
  log.pushHit(2, 'b', { ...hit, qname: 'second.test' }) // overwrites the slot of the first hit
  t.equal(log.newest(2)[1], caller, 'a caller event is returned as pushed')
  log.pushHit(3, 'c', { ...hit, qname: 'third.test' }) // overwrites the caller's slot
  t.same(caller, ev('caller.test'), 'left alone')
  t.same(log.newest().map((e) => [e.qname, e.at, e.client_ip]), [['third.test', 3, 'c'], ['second.test', 2, 'b']])
  log.push(ev('again.test')) // an event over a hit's slot reads as the event
  t.same(log.newest().map((e) => [e.qname, e.outcome, e.duration_ms]), [['again.test', 'upstream', 7], ['third.test', 'local', 0]])
  t.equal(log.length, 2)
})

t.test('clear forgets the hits too', async (t) => {
  const log = new ResolutionLog(1)
  log.pushHit(1, 'a', hit)
  log.clear()
  t.same(log.newest(), [])
  t.equal(log.length, 0)
  log.pushHit(2, 'b', hit)
  t.same(log.newest().map((e) => [e.at, e.client_ip]), [[2, 'b']])
})
