import t from 'tap'
import { countingParser, EventHub, type ClusterEvent } from '../../src/cluster/events.js'

t.test('events reach every listener; a throwing listener breaks nothing; unsubscribe stops delivery', async (t) => {
  const hub = new EventHub()
  const got: ClusterEvent[] = []
  hub.on(() => {
    throw new Error('broken dashboard')
  })
  const off = hub.on((e) => got.push(e))
  const e: ClusterEvent = { kind: 'pull_failed', peer: 'b:1' }
  hub.emit(e)
  off()
  hub.emit(e)
  t.same(got, [e])
})

t.test('the counting parser emits frame_in with the type (or invalid) and the bytes including the 4-byte header', async (t) => {
  const got: ClusterEvent[] = []
  const parse = countingParser((e) => got.push(e))
  const ping = Buffer.from('{"type":"ping"}')
  t.equal(parse(ping).ok, true)
  t.equal(parse(Buffer.from('nope')).ok, false)
  t.same(got, [
    { kind: 'frame_in', type: 'ping', bytes: ping.length + 4 },
    { kind: 'frame_in', type: 'invalid', bytes: 8 },
  ])
})
