/** TransferStreams: at most `max` streamed AXFRs at once; a stream counts until it ends or is given up. */
import t from 'tap'
import { TransferStreams } from '../../../src/dns/xfr/transfer-streams.js'
import type { TransferAnswer } from '../../../src/dns/xfr/transfer.js'

/** A streamed answer of `n` batches; `aborted` counts its abort calls. */
function streamed(n: number) {
  let left = n
  const seen = { aborted: 0 }
  const a: TransferAnswer = {
    kind: 'axfr', rcode: 0, messages: [], rrs: 0,
    more: () => (left-- > 0 ? [Buffer.from('m')] : undefined),
    abort: () => void seen.aborted++,
  }
  return { a, seen }
}

const drain = (a: TransferAnswer) => {
  while (a.more?.() !== undefined);
}

t.test('the cap: refused past max, a slot back when a stream ends or is given up, once', async (t) => {
  const s = new TransferStreams(2)
  const one = streamed(2)
  const two = streamed(1)
  const three = streamed(1)
  t.ok(s.admit(one.a))
  t.ok(s.admit(two.a))
  t.equal(s.count, 2)
  t.notOk(s.admit(three.a), 'a third at once is refused')
  t.equal(three.seen.aborted, 1, 'and the refused stream is given up (its snapshot dropped)')
  t.equal(s.count, 2)
  drain(one.a)
  t.equal(s.count, 1, 'a stream that ended counts out')
  t.equal(one.a.more?.(), undefined)
  t.equal(s.count, 1, 'asking again after the end counts nothing')
  two.a.abort?.()
  t.equal(two.seen.aborted, 1, 'abort reaches the stream')
  t.equal(s.count, 0, 'a stream given up counts out')
  two.a.abort?.()
  drain(two.a)
  t.equal(s.count, 0, 'once only')
  t.ok(s.admit(streamed(1).a), 'room again')
})

t.test('answers built at once are not streams: always admitted, never counted', async (t) => {
  const s = new TransferStreams(0)
  t.ok(s.admit({ kind: 'axfr', rcode: 0, messages: [Buffer.from('x')], rrs: 3 }))
  t.equal(s.count, 0)
})
