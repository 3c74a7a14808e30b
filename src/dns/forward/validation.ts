/**
 * The validating side of the forwarder (docs/dnssec.md "Validation"): judges each forwarded reply with the
 * chain of trust from the configured anchors, asking DS and DNSKEY of the same upstreams (DO and CD set).
 * Verdicts are counted by outcome; bogus ones are logged. Adapter: reaches the network via the Forwarder.
 */
import type { Logger } from 'pino'
import { typeNumber } from '../wire/rdata.js'
import { typeName } from '../../store/rr-types.js'
import { TrustChain } from '../../dnssec/validate/chain.js'
import { nodeCrypto } from '../../dnssec/validate/crypto.js'
import { parseReply } from '../../dnssec/validate/message.js'
import { validateReply, type Verdict } from '../../dnssec/validate/answer.js'
import { parseTrustAnchors, rootAnchors, type TrustAnchor } from '../../dnssec/validate/trust-anchors.js'
import { readBoundedText } from '../../zonefile/file-reader.js'
import type { Forwarder } from './forwarder.js'
import type { UpstreamEndpoint } from './upstream-select.js'

/** Clock skew allowed on both ends of a signature's validity window (Unbound's default is similar). */
export const DEFAULT_SKEW_SECONDS = 300

/** An anchor file is a handful of records; this bounds a wrong path pointing at something big. */
const MAX_ANCHOR_FILE_BYTES = 1024 * 1024

export type ValidationOutcome = Verdict['status']

export interface ForwardValidatorOptions {
  anchors: readonly TrustAnchor[]
  /** dnssec_validate_strict: bogus answers become SERVFAIL with an EDE. */
  strict: boolean
  skewSeconds?: number
  maxChainEntries?: number
}

export interface ForwardValidatorDeps {
  forwarder: Forwarder
  /** The endpoints a question for `name` goes to (the resolver's own selection). */
  endpointsFor: (name: string) => readonly UpstreamEndpoint[]
  timeoutMs: number
  /** Epoch ms. */
  now: () => number
  log: Logger
}

export class ForwardValidator {
  readonly strict: boolean
  readonly counts: Record<ValidationOutcome, number> = { secure: 0, insecure: 0, bogus: 0, indeterminate: 0 }
  readonly chain: TrustChain
  readonly #deps: ForwardValidatorDeps

  constructor(opts: ForwardValidatorOptions, deps: ForwardValidatorDeps) {
    this.strict = opts.strict
    this.#deps = deps
    this.chain = new TrustChain({
      anchors: opts.anchors,
      crypto: nodeCrypto,
      now: deps.now,
      skewSeconds: opts.skewSeconds ?? DEFAULT_SKEW_SECONDS,
      maxEntries: opts.maxChainEntries,
      lookup: async (name, type) => {
        const r = await deps.forwarder.forward({ name, type: typeName(type), endpoints: deps.endpointsFor(name), timeoutMs: deps.timeoutMs, dnssec: true })
        return r.kind === 'answer' && r.message ? parseReply(r.message) : undefined
      },
    })
  }

  /** The verdict on a forwarded reply (`message` as received); counted, and logged when bogus. */
  async check(qname: string, qtype: string, message: Buffer | undefined): Promise<Verdict> {
    const reply = message ? parseReply(message) : undefined
    const code = typeNumber(qtype)
    let verdict: Verdict
    if (!reply || code === undefined) verdict = { status: 'bogus', ede: 6, reason: 'reply did not parse' }
    else {
      try {
        verdict = await validateReply(this.chain, qname, code, reply)
      } catch (err) {
        this.#deps.log.error({ err, qname, qtype }, 'DNSSEC validation failed')
        verdict = { status: 'bogus', ede: 6, reason: 'validator error' }
      }
    }
    this.counts[verdict.status]++
    if (verdict.status === 'bogus') this.#deps.log.warn({ qname, qtype, ede: verdict.ede, reason: verdict.reason, strict: this.strict }, 'DNSSEC bogus answer')
    return verdict
  }
}

/** The anchors of dnssec_trust_anchor_file, or the built-in root KSKs when it is empty; throws on a bad file. */
export async function loadTrustAnchors(file: string): Promise<TrustAnchor[]> {
  if (file === '') return rootAnchors()
  const parsed = parseTrustAnchors(await readBoundedText(file, MAX_ANCHOR_FILE_BYTES))
  if (!parsed.ok) throw new Error(`dnssec_trust_anchor_file ${file}:${parsed.line}: ${parsed.reason}`)
  return parsed.anchors
}
