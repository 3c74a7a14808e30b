/** Builds NSEC and NSEC3 chains for denial tests: names with their types -> records as a signer would write them. */
import { encodeName } from '../../src/dns/wire/rdata.js'
import { compareNames, childName } from '../../src/dnssec/validate/names.js'
import { base32hex, nsec3Hash } from '../../src/dnssec/validate/nsec3.js'
import { parseNsec, parseNsec3, rr, T, type Nsec, type Nsec3, type Rr } from '../../src/dnssec/validate/records.js'

/** RFC 4034 4.1.2 type bit map. */
export function typeBitmap(types: Iterable<number>): Buffer {
  const windows = new Map<number, number[]>()
  for (const t of types) {
    const w = windows.get(t >> 8) ?? []
    w[(t & 0xff) >> 3] = (w[(t & 0xff) >> 3] ?? 0) | (0x80 >> (t & 7))
    windows.set(t >> 8, w)
  }
  const out: Buffer[] = []
  for (const w of [...windows.keys()].sort((a, b) => a - b)) {
    const bytes = Array.from(windows.get(w)!, (b) => b ?? 0)
    out.push(Buffer.from([w, bytes.length, ...bytes]))
  }
  return Buffer.concat(out)
}

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
  const owners = Object.keys(names).sort(compareNames)
  return owners.map((o, i) => parseNsec(nsecRr(o, owners[(i + 1) % owners.length] || apex, [...names[o], T.RRSIG, T.NSEC]))!)
}

/** A zone's NSEC3 chain (RFC 5155 7.1): hashed owners in order, each pointing at the next hash, the last wrapping. */
export function nsec3Chain(zone: string, names: Record<string, number[]>, p: Nsec3Params = {}): Nsec3[] {
  const salt = p.salt ?? Buffer.alloc(0)
  const hashed = Object.keys(names)
    .map((n) => ({ n, h: nsec3Hash(n, salt, p.iterations ?? 0) }))
    .sort((a, b) => Buffer.compare(a.h, b.h))
  return hashed.map(({ n, h }, i) => {
    const types = names[n].length > 0 ? [...names[n], T.RRSIG] : []
    return parseNsec3(nsec3Rr(childName(base32hex(h), zone), hashed[(i + 1) % hashed.length].h, types, p))!
  })
}
