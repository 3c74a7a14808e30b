/**
 * Fuzz: the cluster frame decoder and message parser (src/cluster/wire/codec.ts, wire/messages.ts) with random
 * and mutated input. Bounded in CI; DNSPLANE_FUZZ_RUNS=<n> runs n cases per property.
 */
import t from 'tap'
import fc from 'fast-check'
import { encodeFrame, FrameDecoder, PRE_AUTH_MAX_FRAME_BYTES } from '../../src/cluster/wire/codec.js'
import { encodeMessage, parseMessage, type Message } from '../../src/cluster/wire/messages.js'
import { isDnsplaneError } from '../../src/errors.js'

const RUNS = Number(process.env.DNSPLANE_FUZZ_RUNS) || 500
/** Fixed seed in CI (a failure is reproducible, never flaky); DNSPLANE_FUZZ_SEED=random explores. */
const SEED = process.env.DNSPLANE_FUZZ_SEED === 'random' ? undefined : Number(process.env.DNSPLANE_FUZZ_SEED) || 20261122

/** Splits `buf` at the given cut points (any order, any values). */
function chunked(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let prev = 0
  for (const p of points) {
    out.push(buf.subarray(prev, p))
    prev = p
  }
  out.push(buf.subarray(prev))
  return out
}

t.test('FrameDecoder returns the same frames however the stream is chunked', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (payloads, cuts) => {
      const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)))
      const dec = new FrameDecoder(PRE_AUTH_MAX_FRAME_BYTES)
      const got: Buffer[] = []
      for (const c of chunked(stream, cuts)) got.push(...dec.push(c))
      return got.length === payloads.length && got.every((g, i) => g.equals(Buffer.from(payloads[i]))) && dec.pendingBytes === 0
    }),
    { numRuns: RUNS, seed: SEED },
  )
  t.pass('round trip holds')
})

t.test('FrameDecoder on arbitrary bytes only ever throws ERR_FRAME_TOO_LARGE, and then stays poisoned', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), fc.integer({ min: 0, max: 70_000 }), (chunks, limit) => {
      const dec = new FrameDecoder(limit)
      let failed = false
      for (const c of chunks) {
        try {
          const frames = dec.push(c)
          if (failed) return false // must not decode after failing
          if (frames.some((f) => f.length > limit)) return false
        } catch (err) {
          if (!isDnsplaneError(err, 'ERR_FRAME_TOO_LARGE')) return false
          failed = true
        }
      }
      // never holds more than what was pushed
      return dec.pendingBytes <= chunks.reduce((n, c) => n + c.length, 0)
    }),
    { numRuns: RUNS, seed: SEED },
  )
  t.pass('no other exception')
})

const record = fc.record({
  id: fc.option(fc.uuid(), { nil: undefined }),
  name: fc.domain(),
  type: fc.constantFrom('A', 'AAAA', 'CNAME', 'MX', 'TXT', 'PTR', 'SRV', 'NS', 'SOA'),
  value: fc.string({ maxLength: 40 }),
  ttl: fc.nat(4294967295),
})

const message: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ type: fc.constant('auth'), token: fc.string() }),
  fc.record({ type: fc.constantFrom('auth_ok', 'auth_fail', 'ping', 'pong', 'pull', 'error', 'admin_config_ok') }),
  fc.record({
    type: fc.constant('records_full'),
    node_id: fc.string({ maxLength: 20 }),
    seq: fc.nat(),
    timestamp_unix: fc.integer(),
    records: fc.option(fc.array(record, { maxLength: 5 }), { nil: null }),
  }),
)

t.test('parseMessage never throws on arbitrary bytes, JSON values or mutated messages', async (t) => {
  const ok = (r: ReturnType<typeof parseMessage>) =>
    r.ok ? typeof r.message.type === 'string' : ['invalid_json', 'not_object', 'unknown_type', 'invalid_fields'].includes(r.reason) && typeof r.error === 'string'
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => ok(parseMessage(b))), { numRuns: RUNS, seed: SEED })
  fc.assert(fc.property(fc.jsonValue(), (v) => ok(parseMessage(JSON.stringify(v)))), { numRuns: RUNS, seed: SEED })
  fc.assert(
    fc.property(message, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }), fc.nat(), (m, muts, cut) => {
      const b = Buffer.from(JSON.stringify(m))
      for (const [i, v] of muts) b[i % b.length] = v
      return ok(parseMessage(b.subarray(0, 1 + (cut % b.length))))
    }),
    { numRuns: RUNS, seed: SEED },
  )
  t.pass('no exception')
})

t.test('a message parseMessage accepts survives encodeMessage and parses to the same value', async (t) => {
  fc.assert(
    fc.property(message, (m) => {
      const first = parseMessage(JSON.stringify(m))
      if (!first.ok) return true // not every generated value is valid (e.g. a bad value for its type)
      const again = parseMessage(encodeMessage(first.message as Message))
      // An empty record list is sent as null, as the Go original does (both mean "no records"); records
      // the codec set aside (`rejected`) are the receiver's note of what it refused and are never sent.
      const norm = (x: Message) => {
        const { rejected: _set_aside, ...rest } = x as Message & { rejected?: unknown }
        return JSON.stringify('records' in rest && Array.isArray(rest.records) && rest.records.length === 0 ? { ...rest, records: null } : rest)
      }
      return again.ok && norm(again.message) === norm(first.message)
    }),
    { numRuns: RUNS, seed: SEED },
  )
  t.pass('stable')
})
