/**
 * Local answers: question + RecordIndex -> authoritative answer, or what to forward.
 * src/dns owns DNS serving; this file is pure (no I/O, no timers, no clock) and imports only the store.
 *
 * Record values are converted to wire bytes once per RecordIndex generation (lazily, per record)
 * by LocalAnswerer, never per query.
 */
import type { RecordIndex } from '../../store/record-index.js'
import { nameKey, type DnsRecord } from '../../store/record.js'
import { TYPE_A, TYPE_AAAA, TYPE_ANY, TYPE_CNAME, TYPE_PTR, TYPE_SOA, typeName, typeNumber } from '../../store/rr-types.js'
import { encodeName, encodeRdata, ipv4Bytes, ipv6Bytes, soaMinimum } from '../wire/rdata.js'
import { rrBody, type WireRR } from '../wire/wire.js'

/** RFC 1034 3.6.2 gives no limit; we follow at most this many CNAMEs within local data. */
export const MAX_CNAME_HOPS = 8
/** TTL of the built-in localhost answers (the original's value). */
export const LOCALHOST_TTL = 604800

export interface LocalAnswerOptions {
  /** When false only the built-in localhost answers are local; everything else is forwarded. */
  localRecordsEnabled: boolean
  /** Synthesize PTR answers from A/AAAA records whose value is the asked address. */
  autoBuildPtrFromA: boolean
}

/** An RR plus its presentation text (`TYPE value`) for logs and the dashboard. */
export interface LocalRR extends WireRR {
  text: string
}

export type LocalOutcome =
  /** Authoritative (AA=1): positive, NXDOMAIN or NODATA (negatives carry the zone SOA, RFC 2308). */
  | { kind: 'answer'; rcode: 'NOERROR' | 'NXDOMAIN'; answers: LocalRR[]; authorities: LocalRR[] }
  /**
   * Not answerable locally: forward `target` (lookup-key form). `chain` holds local CNAMEs that led
   * there (prepended to the upstream answer). `nodataOnMiss`: the name exists locally, so when
   * the upstreams give nothing the reply is NODATA rather than SERVFAIL.
   */
  | { kind: 'forward'; chain: LocalRR[]; target: string; nodataOnMiss: boolean }

interface Converted {
  rr: LocalRR
  /** Wire RDATA (for SOA minimum and CNAME targets). */
  rdata: Buffer
  /** For CNAME records: the target in lookup-key form. */
  target?: string
}

/**
 * Builds local answers for one RecordIndex generation at a time; conversions are cached until the
 * index handed in has a different generation. Not thread-shared: one per server.
 */
export class LocalAnswerer {
  private generation = -1
  private index: RecordIndex | undefined
  private converted = new Map<DnsRecord, Converted | null>()
  private nonTerminals: Set<string> | undefined

  constructor(private readonly opts: LocalAnswerOptions) {}

  /** Answers `qkey` (lower-case, no trailing dot) / `qtype` (number) from `index`. Class IN is assumed. */
  answer(index: RecordIndex, qkey: string, qtype: number): LocalOutcome {
    this.use(index)
    if (!this.opts.localRecordsEnabled) return this.builtinOr(qkey, qtype, { kind: 'forward', chain: [], target: qkey, nodataOnMiss: false })

    if (qtype === TYPE_PTR) {
      const ptr = this.reverseAnswers(index, qkey)
      if (ptr.length > 0) return { kind: 'answer', rcode: 'NOERROR', answers: ptr, authorities: [] }
    }

    const chain: LocalRR[] = []
    const seen = new Set<string>()
    let name = qkey
    for (let hop = 0; ; hop++) {
      const own = this.recordsOf(index, name, qtype)
      if (own.length > 0) return { kind: 'answer', rcode: 'NOERROR', answers: chain.concat(own), authorities: [] }
      if (qtype !== TYPE_CNAME && qtype !== TYPE_ANY) {
        const cname = this.firstConverted(index.lookupKey(name, 'CNAME'))
        if (cname && cname.target !== undefined) {
          chain.push(cname.rr)
          seen.add(name)
          // a loop or too long a chain: answer with what we have (RFC 1034 3.6.2 leaves this to us)
          if (seen.has(cname.target) || hop + 1 >= MAX_CNAME_HOPS) return { kind: 'answer', rcode: 'NOERROR', answers: chain, authorities: [] }
          name = cname.target
          continue
        }
      }
      return this.negative(index, name, qtype, chain)
    }
  }

  /** NXDOMAIN/NODATA under a local SOA, else forward (or built-in localhost). */
  private negative(index: RecordIndex, name: string, qtype: number, chain: LocalRR[]): LocalOutcome {
    const exists = index.hasName(name) || this.isNonTerminal(index, name)
    const zone = index.findZone(name)
    if (zone) {
      const soa = this.convert(zone.soa)
      if (soa) {
        // RFC 2308 3: negative TTL = min(SOA TTL, SOA MINIMUM); RFC 6604: rcode is for the last name
        const ttl = Math.min(zone.soa.ttl, soaMinimum(soa.rdata))
        const auth: LocalRR = { name: soa.rr.name, nameBytes: soa.rr.nameBytes, body: rrBody(TYPE_SOA, ttl, soa.rdata), text: soa.rr.text }
        return { kind: 'answer', rcode: exists ? 'NOERROR' : 'NXDOMAIN', answers: chain, authorities: [auth] }
      }
    }
    return this.builtinOr(name, qtype, { kind: 'forward', chain, target: name, nodataOnMiss: exists || chain.length > 0 }, chain)
  }

  /** RFC 6761 6.3: localhost answers itself (A 127.0.0.1, AAAA ::1, NODATA otherwise); never forwarded. */
  private builtinOr(name: string, qtype: number, otherwise: LocalOutcome, chain: LocalRR[] = []): LocalOutcome {
    if (name !== 'localhost') return otherwise
    const answers = chain.slice()
    if (qtype === TYPE_A || qtype === TYPE_ANY) answers.push(this.localhostRR(TYPE_A))
    if (qtype === TYPE_AAAA || qtype === TYPE_ANY) answers.push(this.localhostRR(TYPE_AAAA))
    return { kind: 'answer', rcode: 'NOERROR', answers, authorities: [] }
  }

  private localhostRR(type: number): LocalRR {
    const rdata = type === TYPE_A ? (ipv4Bytes('127.0.0.1') as Buffer) : (ipv6Bytes('::1') as Buffer)
    return { name: 'localhost', body: rrBody(type, LOCALHOST_TTL, rdata), text: type === TYPE_A ? 'A 127.0.0.1' : 'AAAA ::1' }
  }

  private recordsOf(index: RecordIndex, name: string, qtype: number): LocalRR[] {
    const list = qtype === TYPE_ANY ? index.byName(name) : index.lookupKey(name, typeName(qtype))
    const out: LocalRR[] = []
    for (const r of list) {
      const c = this.convert(r)
      if (c) out.push(c.rr)
    }
    return out
  }

  private firstConverted(list: readonly DnsRecord[]): Converted | undefined {
    for (const r of list) {
      const c = this.convert(r)
      if (c) return c
    }
    return undefined
  }

  /** PTR for in-addr.arpa / ip6.arpa names: explicit PTRs (literal name or keyed by IP), then A/AAAA owners. */
  private reverseAnswers(index: RecordIndex, qkey: string): LocalRR[] {
    const out: LocalRR[] = []
    const seen = new Set<string>()
    const add = (ttl: number, target: string): void => {
      const key = nameKey(target)
      const rdata = encodeName(key)
      if (!rdata || seen.has(key)) return
      seen.add(key)
      out.push({ name: qkey, body: rrBody(TYPE_PTR, ttl, rdata), text: 'PTR ' + key + '.' })
    }
    for (const r of this.recordsOf(index, qkey, TYPE_PTR)) {
      out.push(r)
      seen.add(r.text.slice(4).toLowerCase().replace(/\.$/, ''))
    }
    const ip = addressOfReverseName(qkey)
    if (ip === undefined) return out
    for (const r of index.ptrRecordsForAddress(ip)) add(r.ttl, r.value)
    if (this.opts.autoBuildPtrFromA) for (const r of index.addressRecords(ip)) add(r.ttl, r.name)
    return out
  }

  private use(index: RecordIndex): void {
    if (index === this.index && index.generation === this.generation) return
    this.index = index
    this.generation = index.generation
    this.converted = new Map()
    this.nonTerminals = undefined
  }

  private convert(r: DnsRecord): Converted | null {
    let c = this.converted.get(r)
    if (c !== undefined) return c
    c = convertRecord(r)
    this.converted.set(r, c)
    return c
  }

  /** RFC 8020: a name with descendants but no records of its own exists (empty non-terminal). */
  private isNonTerminal(index: RecordIndex, name: string): boolean {
    if (!this.nonTerminals) {
      const set = new Set<string>()
      for (const r of index.records) {
        let key = nameKey(r.name)
        for (let dot = key.indexOf('.'); dot >= 0; dot = key.indexOf('.')) {
          key = key.slice(dot + 1)
          if (set.has(key)) break
          set.add(key)
        }
      }
      this.nonTerminals = set
    }
    return this.nonTerminals.has(name)
  }
}

/** Converts one record to wire form, or null when its name, type or value cannot be encoded. */
export function convertRecord(r: DnsRecord): Converted | null {
  const type = typeNumber(r.type)
  if (type === undefined) return null
  const rdata = encodeRdata(r.type, r.value)
  if (!rdata) return null
  const owner = nameKey(r.name)
  const nameBytes = encodeName(owner)
  if (!nameBytes) return null
  const upper = r.type.toUpperCase()
  const rr: LocalRR = { name: owner, nameBytes, body: rrBody(type, r.ttl, rdata), text: upper + ' ' + r.value.trim() }
  return { rr, rdata, target: upper === 'CNAME' ? nameKey(r.value) : undefined }
}

/**
 * The address a reverse name stands for: `4.3.2.1.in-addr.arpa` -> `1.2.3.4`, 32 nibbles under
 * `ip6.arpa` -> IPv6 text. Undefined for anything else (partial names included).
 */
export function addressOfReverseName(qkey: string): string | undefined {
  if (qkey.endsWith('.in-addr.arpa')) {
    const labels = qkey.slice(0, -'.in-addr.arpa'.length).split('.')
    if (labels.length !== 4 || !labels.every((l) => /^\d{1,3}$/.test(l) && Number(l) <= 255)) return undefined
    return labels.reverse().map(Number).join('.')
  }
  if (qkey.endsWith('.ip6.arpa')) {
    const nibbles = qkey.slice(0, -'.ip6.arpa'.length).split('.')
    if (nibbles.length !== 32 || !nibbles.every((n) => /^[0-9a-f]$/.test(n))) return undefined
    const hex = nibbles.reverse().join('')
    const groups: string[] = []
    for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4))
    return groups.join(':')
  }
  return undefined
}
