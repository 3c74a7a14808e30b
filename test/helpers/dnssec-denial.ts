/** Builds NSEC and NSEC3 chains for denial tests: names with their types -> records as a signer would write them. */
import { encodeName } from '../../src/dns/wire/rdata.js'
import { typeBitmap } from '../../src/dnssec/nsec.js'
import { compareNames, childName } from '../../src/dnssec/validate/names.js'
import { base32hex, nsec3Hash } from '../../src/dnssec/validate/nsec3.js'
import { parseNsec, parseNsec3, rr, T, type Nsec, type Nsec3, type Rr } from '../../src/dnssec/validate/records.js'

export function nsecRr(owner: string, next: string, types: number[]): Rr {
  return rr(owner, T.NSEC, 300, Buffer.concat([encodeName(next)!, typeBitmap(types)]))
}

export interface Nsec3Params {
  salt?: Buffer
  iterations?: number
  optOut?: boolean
}

export function nsec3Rr(owner: string, nextHash: Buffer, types: number[], p: Nsec3Params = {}): Rr {
  const salt = p.salt ?? Buffer.alloc(0)
  const head = Buffer.from([1, p.optOut ? 1 : 0, 0, 0, salt.length])
  head.writeUInt16BE(p.iterations ?? 0, 2)
  return rr(owner, T.NSEC3, 300, Buffer.concat([head, salt, Buffer.from([nextHash.length]), nextHash, typeBitmap(types)]))
}

/** A signed zone's NSEC chain: owners in canonical order, the last pointing back to the apex. */
export function nsecChain(apex: string, names: Record<string, number[]>): Nsec[] {
  return nsecRrs(apex, names).map((r) => parseNsec(r)!)
}

export function nsecRrs(apex: string, names: Record<string, number[]>): Rr[] {
  const owners = Object.keys(names).sort(compareNames)
  return owners.map((o, i) => nsecRr(o, owners[(i + 1) % owners.length] || apex, [...names[o], T.RRSIG, T.NSEC]))
}

/** A zone's NSEC3 chain (RFC 5155 7.1): hashed owners in order, each pointing at the next hash, the last wrapping. */
export function nsec3Chain(zone: string, names: Record<string, number[]>, p: Nsec3Params = {}): Nsec3[] {
  return nsec3Rrs(zone, names, p).map((r) => parseNsec3(r)!)
}

export function nsec3Rrs(zone: string, names: Record<string, number[]>, p: Nsec3Params = {}): Rr[] {
  const salt = p.salt ?? Buffer.alloc(0)
  const hashed = Object.keys(names)
    .map((n) => ({ n, h: nsec3Hash(n, salt, p.iterations ?? 0) }))
    .sort((a, b) => Buffer.compare(a.h, b.h))
  return hashed.map(({ n, h }, i) => {
    const types = names[n].length > 0 ? [...names[n], T.RRSIG] : []
    return nsec3Rr(childName(base32hex(h), zone), hashed[(i + 1) % hashed.length].h, types, p)
  })
}
