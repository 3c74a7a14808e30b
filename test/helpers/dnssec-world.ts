/**
 * A small signed DNS tree for validator tests: zones with one ECDSA P-256 key each (KSK and ZSK in one),
 * NSEC or NSEC3 chains, DS records in the parent, and a lookup that answers like a recursive upstream.
 */
import { encodeName } from '../../src/dns/wire/rdata.js'
import { dsRdata } from '../../src/dnssec/keytag.js'
import { signRRset } from '../../src/dnssec/sign.js'
import type { SigningKey } from '../../src/dnssec/key-files.js'
import type { Reply } from '../../src/dnssec/validate/chain.js'
import { childName, compareNames, isSubdomain, labelCount, parentName } from '../../src/dnssec/validate/names.js'
import { rr, T, type Rr } from '../../src/dnssec/validate/records.js'
import { rrsets } from '../../src/dnssec/validate/rrset.js'
import type { TrustAnchor } from '../../src/dnssec/validate/trust-anchors.js'
import { nsec3Rrs, nsecRrs, type Nsec3Params } from './dnssec-denial.js'
import { generatedKey } from './dnssec-keys.js'

export const NOW_MS = Date.UTC(2026, 10, 29, 5, 0, 0)
const NOW = NOW_MS / 1000

export interface ZoneSpec {
  apex: string
  /** Records other than SOA, DNSKEY and the denial chain: `[name, type, rdata]`. */
  records: [string, number, Buffer][]
  nsec3?: Nsec3Params
  /** Signature validity, default one hour either side of NOW_MS. */
  window?: { inception: number; expiration: number }
}

export const a = (ip: string): Buffer => Buffer.from(ip.split('.').map(Number))
export const name = (n: string): Buffer => encodeName(n)!

export class Zone {
  readonly key: SigningKey
  readonly data: Rr[]
  readonly denial: Rr[]
  constructor(readonly spec: ZoneSpec) {
    this.key = generatedKey(13, spec.apex, true)
    const soa = Buffer.concat([name(`ns.${spec.apex}`), name(`host.${spec.apex}`), Buffer.alloc(20, 0)])
    soa.writeUInt32BE(300, soa.length - 4)
    this.data = [rr(spec.apex, T.SOA, 300, soa), rr(spec.apex, T.DNSKEY, 300, this.key.dnskeyRdata), ...spec.records.map(([n, t, d]) => rr(n, t, 300, d))]
    const types: Record<string, number[]> = {}
    for (const r of this.data) (types[r.name] ??= []).push(r.type)
    if (spec.nsec3) {
      // Empty non-terminals get an NSEC3 too (RFC 5155 7.1).
      for (const n of Object.keys(types)) for (let p = parentName(n); p !== spec.apex && isSubdomain(p, spec.apex) && p !== ''; p = parentName(p)) types[p] ??= []
    }
    this.denial = spec.nsec3 ? nsec3Rrs(spec.apex, types, spec.nsec3) : nsecRrs(spec.apex, types)
  }

  /** The RRSIG over `set`; `owner` the wildcard owner when the set was synthesised. */
  sign(set: readonly Rr[], owner = set[0].name): Rr {
    const window = this.spec.window ?? { inception: NOW - 3600, expiration: NOW + 3600 }
    const sig = signRRset({ owner: name(owner), type: set[0].type, ttl: set[0].ttl, rdatas: set.map((r) => r.rdata) }, this.key, window)
    return rr(set[0].name, T.RRSIG, set[0].ttl, sig)
  }

  signed(rrs: readonly Rr[]): Rr[] {
    return rrsets(rrs).flatMap((s) => [...s, this.sign(s)])
  }

  /** The DS record for this zone, for its parent or a trust anchor. */
  ds(): Buffer {
    return dsRdata(name(this.spec.apex), this.key.dnskeyRdata, 2)
  }

  anchor(): TrustAnchor {
    return { zone: this.spec.apex, type: T.DS, rdata: this.ds() }
  }

  /** An authoritative answer from this zone, signed (wildcards synthesised). */
  answer(qname: string, qtype: number): Reply {
    const at = this.data.filter((r) => r.name === qname)
    const match = at.filter((r) => r.type === qtype || (r.type === T.CNAME && qtype !== T.CNAME))
    if (match.length > 0) return { rcode: 'NOERROR', answers: this.signed(match), authorities: [] }
    const negative = this.signed([...this.data.filter((r) => r.type === T.SOA), ...this.denial])
    const exists = this.data.some((r) => isSubdomain(r.name, qname))
    if (!exists) {
      const wildcard = this.data.filter((r) => r.type === qtype && r.name.startsWith('*.') && isSubdomain(qname, r.name.slice(2)) && labelCount(qname) > labelCount(r.name) - 1)
      if (wildcard.length > 0) {
        const sig = this.sign(wildcard)
        const expanded = wildcard.map((r) => ({ ...r, name: qname }))
        return { rcode: 'NOERROR', answers: [...expanded, { ...sig, name: qname }], authorities: this.signed(this.denial) }
      }
    }
    return { rcode: exists ? 'NOERROR' : 'NXDOMAIN', answers: [], authorities: negative }
  }
}

/** Zones by apex; lookup() answers DS from the parent side, everything else from the deepest zone. */
export class World {
  readonly zones: Zone[]
  asked: string[] = []
  constructor(...zones: Zone[]) {
    this.zones = zones
  }

  zoneFor(qname: string, qtype: number): Zone | undefined {
    const candidates = this.zones.filter((z) => isSubdomain(qname, z.spec.apex) && !(qtype === T.DS && z.spec.apex === qname && qname !== ''))
    return candidates.sort((x, y) => compareNames(y.spec.apex, x.spec.apex))[0]
  }

  lookup = async (qname: string, qtype: number): Promise<Reply | undefined> => {
    this.asked.push(`${qname} ${qtype}`)
    return this.zoneFor(qname, qtype)?.answer(qname, qtype)
  }
}

/** root -> example (signed, NSEC) -> nsec3.example (signed, NSEC3); insecure.example unsigned. */
export function sampleWorld(opts: { nsec3?: Nsec3Params } = {}): { world: World; root: Zone; example: Zone; sub: Zone } {
  const sub = new Zone({ apex: 'nsec3.example', records: [['www.nsec3.example', T.A, a('192.0.2.3')], ['*.wild.nsec3.example', T.A, a('192.0.2.4')], ['deep.ent.nsec3.example', T.A, a('192.0.2.6')], ['unsigned.nsec3.example', T.NS, name('ns.unsigned.nsec3.example')]], nsec3: opts.nsec3 ?? { salt: Buffer.from('beef', 'hex'), iterations: 1, optOut: true } })
  const example = new Zone({
    apex: 'example',
    records: [
      ['www.example', T.A, a('192.0.2.1')],
      ['*.wild.example', T.A, a('192.0.2.2')],
      ['alias.example', T.CNAME, name('www.example')],
      ['insecure.example', T.NS, name('ns.insecure.example')],
      ['nsec3.example', T.NS, name('ns.nsec3.example')],
      ['nsec3.example', T.DS, sub.ds()],
    ],
  })
  const root = new Zone({ apex: '', records: [['example', T.NS, name('ns.example')], ['example', T.DS, example.ds()]] })
  // An unsigned child: answers with no RRSIG at all.
  const world = new World(root, example, sub)
  return { world, root, example, sub }
}

/** An unsigned answer as an insecure zone would give it. */
export function unsigned(qname: string, type: number, rdata: Buffer): Reply {
  return { rcode: 'NOERROR', answers: [rr(qname, type, 300, rdata)], authorities: [] }
}

export { childName }
