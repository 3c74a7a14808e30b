/**
 * The key a client is counted under by the DNS limiters: its address cut to a prefix, so that memory
 * and fairness do not depend on how many addresses one host or site controls (an IPv6 site usually
 * holds a /56 or /64; BIND's RRL counts IPv4 by /24 and IPv6 by /56). Pure.
 */
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

/**
 * `ip` cut to `v4Bits` (0..32) or `v6Bits` (0..128), as "a.b.c.d/n" or 32 hex digits + "/n"; an IPv4-mapped
 * IPv6 address (::ffff:a.b.c.d, as a dual-stack socket reports IPv4 clients) counts as IPv4; a zone index
 * (%eth0) is ignored. Anything unparsable is its own key, lower-cased.
 */
export function clientPrefix(ip: string, v4Bits: number, v6Bits: number): string {
  const addr = ip.split('%')[0].toLowerCase()
  const v4 = IPV4.exec(addr.startsWith('::ffff:') ? addr.slice(7) : addr)
  if (v4) {
    const n = ((Number(v4[1]) << 24) | (Number(v4[2]) << 16) | (Number(v4[3]) << 8) | Number(v4[4])) >>> 0
    const masked = v4Bits <= 0 ? 0 : v4Bits >= 32 ? n : (n & (~0 << (32 - v4Bits))) >>> 0
    return `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${v4Bits}`
  }
  const groups = addr.includes(':') ? expandIpv6(addr) : undefined
  if (!groups) return addr
  let out = ''
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, v6Bits - i * 16))
    const g = keep === 0 ? 0 : groups[i] & ((0xffff << (16 - keep)) & 0xffff)
    out += g.toString(16).padStart(4, '0')
  }
  return `${out}/${v6Bits}`
}

/** The eight 16-bit groups of an IPv6 literal (with :: and a trailing dotted IPv4), or undefined. */
export function expandIpv6(addr: string): number[] | undefined {
  let text = addr
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (v4) {
    const b = v4.slice(1).map(Number)
    text = text.slice(0, v4.index) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const part = (s: string): string[] => (s === '' ? [] : s.split(':'))
  const head = part(halves[0])
  const tail = halves.length === 2 ? part(halves[1]) : []
  const fill = 8 - head.length - tail.length
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined
  const all = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...tail]
  const out = all.map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN))
  return out.some(Number.isNaN) ? undefined : out
}
