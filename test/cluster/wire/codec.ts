import t from 'tap'
import { encodeFrame, FrameDecoder, MAX_FRAME_BYTES, PRE_AUTH_MAX_FRAME_BYTES } from '../../../src/cluster/wire/codec.js'

const header = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n, 0)
  return b
}

t.test('encodes a 4-byte big-endian length followed by the UTF-8 body', async (t) => {
  const f = encodeFrame('{"type":"ping"}')
  t.same([...f.subarray(0, 4)], [0, 0, 0, 15])
  t.equal(f.subarray(4).toString(), '{"type":"ping"}')
  t.equal(encodeFrame('"é"').readUInt32BE(0), 4, 'length counts bytes, not characters')
})

t.test('round-trips frames split at every byte boundary', async (t) => {
  const stream = Buffer.concat([encodeFrame('{"a":1}'), encodeFrame(''), encodeFrame('{"type":"pong"}')])
  for (let size = 1; size <= stream.length; size++) {
    const d = new FrameDecoder()
    const got: string[] = []
    for (let i = 0; i < stream.length; i += size) for (const f of d.push(stream.subarray(i, i + size))) got.push(f.toString())
    t.same(got, ['{"a":1}', '', '{"type":"pong"}'], `chunk size ${size}`)
    t.equal(d.pendingBytes, 0)
  }
})

t.test('yields a zero-length frame as an empty buffer', async (t) => {
  const frames = new FrameDecoder().push(header(0))
  t.equal(frames.length, 1)
  t.equal(frames[0].length, 0)
})

t.test('accepts a header of exactly MAX_FRAME_BYTES and rejects one byte more', async (t) => {
  const d = new FrameDecoder()
  t.same(d.push(header(MAX_FRAME_BYTES)), [], 'waits for the body; nothing allocated up front')
  t.equal(d.pendingBytes, 0)
  const over = new FrameDecoder()
  t.throws(() => over.push(header(MAX_FRAME_BYTES + 1)), { code: 'ERR_FRAME_TOO_LARGE' })
  t.throws(() => over.push(Buffer.from('x')), { code: 'ERR_FRAME_TOO_LARGE' }, 'stays failed')
})

t.test('applies the smaller pre-auth limit until raised', async (t) => {
  const d = new FrameDecoder(PRE_AUTH_MAX_FRAME_BYTES)
  t.same(d.push(Buffer.concat([header(PRE_AUTH_MAX_FRAME_BYTES), Buffer.alloc(PRE_AUTH_MAX_FRAME_BYTES)]))[0].length, PRE_AUTH_MAX_FRAME_BYTES)
  t.throws(() => new FrameDecoder(PRE_AUTH_MAX_FRAME_BYTES).push(header(PRE_AUTH_MAX_FRAME_BYTES + 1)))
  const raised = new FrameDecoder(PRE_AUTH_MAX_FRAME_BYTES)
  raised.setMaxFrameBytes(MAX_FRAME_BYTES)
  t.same(raised.push(header(PRE_AUTH_MAX_FRAME_BYTES + 1)), [])
})

t.test('rejects a garbage header that decodes to a huge length', async (t) => {
  t.throws(() => new FrameDecoder().push(Buffer.from('GET / HTTP/1.1\r\n')), { code: 'ERR_FRAME_TOO_LARGE' })
})

t.test('refuses to encode a payload over the limit', async (t) => {
  t.throws(() => encodeFrame(Buffer.alloc(11), 10), { code: 'ERR_FRAME_TOO_LARGE' })
  t.equal(encodeFrame(Buffer.alloc(10), 10).length, 14)
})
