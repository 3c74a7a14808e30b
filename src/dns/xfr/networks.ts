/**
 * Address lists for transfer and notify access (`axfr_allowed_networks`): IPv4/IPv6 CIDRs or single
 * addresses; an IPv4-mapped IPv6 client (::ffff:a.b.c.d, as dual-stack sockets report) matches IPv4
 * entries. Pure.
 */
import { canonicalIp } from '../../store/record.js'

interface Network {
  bits: bigint
  mask: bigint
  v6: boolean
}

/** Parses entries; returns the networks and the entries that are not addresses or CIDRs. */
export function parseNetworks(entries: readonly string[]): { networks: Network[]; invalid: string[] } {
  const networks: Network[] = []
  const invalid: string[] = []
  for (const raw of entries) {
    const n = parseNetwork(raw.trim())
    if (n) networks.push(n)
    else invalid.push(raw)
  }
  return { networks, invalid }
}

/** True when `ip` (as a socket reports it) is inside one of `networks`. */
export function isAddressAllowed(networks: readonly Network[], ip: string | undefined): boolean {
  if (!ip) return false
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  const addr = toBits(mapped ? mapped[1] : ip)
  if (!addr) return false
  return networks.some((n) => n.v6 === addr.v6 && (addr.bits & n.mask) === n.bits)
}

function parseNetwork(text: string): Network | undefined {
  const slash = text.indexOf('/')
  const addr = toBits(slash < 0 ? text : text.slice(0, slash))
  if (!addr) return undefined
  const width = addr.v6 ? 128 : 32
  const lenText = slash < 0 ? String(width) : text.slice(slash + 1)
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > width) return undefined
  const len = BigInt(lenText)
  const all = (1n << BigInt(width)) - 1n
  const mask = all ^ ((1n << (BigInt(width) - len)) - 1n)
  return { bits: addr.bits & mask, mask, v6: addr.v6 }
}

function toBits(ip: string): { bits: bigint; v6: boolean } | undefined {
  const canon = canonicalIp(ip)
  if (!canon) return undefined
  if (!canon.includes(':')) return { bits: canon.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n), v6: false }
  return { bits: BigInt('0x' + canon.replace(/:/g, '')), v6: true }
}
