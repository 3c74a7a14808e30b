/**
 * Fuzz: the records-file loader (src/store/records-file.ts parseRecordsFile). Whatever the bytes,
 * it returns records or throws DnsplaneError ERR_RECORDS_PARSE, nothing else; what it returns
 * serializes and parses back to the same records.
 * Bounded in CI; DNSPLANE_FUZZ_RUNS=<n> and DNSPLANE_FUZZ_SEED=random explore further.
 */
import t from 'tap'
import fc from 'fast-check'
import { isDnsplaneError } from '../../src/errors.js'
import { parseRecordsFile, serializeRecordsFile } from '../../src/store/records-file.js'

const RUNS = Number(process.env.DNSPLANE_FUZZ_RUNS) || 1000
const SEED = process.env.DNSPLANE_FUZZ_SEED === 'random' ? undefined : Number(process.env.DNSPLANE_FUZZ_SEED) || 20261122

/** True when parse succeeds and round-trips, or fails with ERR_RECORDS_PARSE only. */
function loads(input: string | Uint8Array): boolean {
  let recs
  try {
    recs = parseRecordsFile(input)
  } catch (err) {
    if (isDnsplaneError(err, 'ERR_RECORDS_PARSE')) return true
    throw new Error(`unexpected ${(err as Error).name}: ${(err as Error).message} for ${JSON.stringify(String(input).slice(0, 200))}`)
  }
  if (!Array.isArray(recs)) return false
  const again = parseRecordsFile(serializeRecordsFile(recs, false))
  return JSON.stringify(again) === JSON.stringify(recs)
}

const fieldValue = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.nat(), { maxLength: 2 }))
const recordish = fc.dictionary(
  fc.constantFrom('id', 'name', 'type', 'value', 'ttl', 'added_on', 'updated_on', 'last_query', 'mac', 'extra'),
  fieldValue,
)
const plausible = fc.record({
  name: fc.domain(),
  type: fc.constantFrom('A', 'AAAA', 'CNAME', 'MX', 'TXT', 'PTR', 'SRV', 'NS', 'SOA', 'a', 'BOGUS'),
  value: fc.string({ maxLength: 40 }),
  ttl: fc.oneof(fc.nat(4294967295), fc.integer(), fc.double()),
  added_on: fc.oneof(fc.constant('0001-01-01T00:00:00Z'), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string({ maxLength: 10 })),
})

t.test('arbitrary bytes and JSON load or fail with ERR_RECORDS_PARSE only', async (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 500 }), (b) => loads(b)), { numRuns: RUNS, seed: SEED })
  fc.assert(fc.property(fc.jsonValue(), (v) => loads(JSON.stringify(v))), { numRuns: RUNS, seed: SEED })
  fc.assert(fc.property(fc.array(recordish, { maxLength: 6 }), (rs) => loads(JSON.stringify({ records: rs }))), { numRuns: RUNS, seed: SEED })
  t.pass('ok')
})

t.test('mutated and truncated plausible files load or fail with ERR_RECORDS_PARSE only', async (t) => {
  fc.assert(
    fc.property(fc.array(plausible, { maxLength: 5 }), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }), fc.nat(), (rs, muts, cut) => {
      const whole = JSON.stringify({ records: rs })
      if (!loads(whole)) return false
      const b = Buffer.from(whole)
      for (const [i, v] of muts) b[i % b.length] = v
      return loads(b.subarray(0, cut % (b.length + 1)))
    }),
    { numRuns: RUNS, seed: SEED },
  )
  t.pass('ok')
})
