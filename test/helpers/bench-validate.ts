/** Micro benchmark (not a test): validation cost per answer, chain cached vs a cold chain. Run with node --import ./scripts/ts-import.mjs. */
import { TrustChain } from '../../src/dnssec/validate/chain.js'
import { nodeCrypto } from '../../src/dnssec/validate/crypto.js'
import { validateReply } from '../../src/dnssec/validate/answer.js'
import { T } from '../../src/dnssec/validate/records.js'
import { NOW_MS, sampleWorld } from './dnssec-world.js'

const { world, root, example } = sampleWorld()
const chain = (): TrustChain => new TrustChain({ anchors: [root.anchor()], crypto: nodeCrypto, lookup: world.lookup, now: () => NOW_MS, skewSeconds: 0 })
const positive = example.answer('www.example', T.A)
const nx = example.answer('nope.example', T.A)
const warm = chain()
await validateReply(warm, 'www.example', T.A, positive)
const N = 2000
for (const [label, run] of [
  ['answer, chain cached', () => validateReply(warm, 'www.example', T.A, positive)],
  ['NXDOMAIN, chain cached', () => validateReply(warm, 'nope.example', T.A, nx)],
  ['answer, cold chain (3 lookups, 3 verifications more)', () => validateReply(chain(), 'www.example', T.A, positive)],
] as const) {
  const start = process.hrtime.bigint()
  for (let i = 0; i < N; i++) await run()
  console.log(`${label}: ${(Number(process.hrtime.bigint() - start) / N / 1000).toFixed(1)} µs`)
}
