/**
 * THE table of DNS RR types: mnemonic <-> number, and what each part of dnsplane knows about a type
 * (storable as a record, named by dns-packet, which RDATA shape it has). Records file, API, TUI,
 * cluster, local answers, forwarding and the cache file all read it; nothing else lists types.
 * Pure data: no I/O.
 */

/**
 * The RDATA layout of a type, shared by the value checks (store/record-validate.ts), the local
 * RDATA encoders (dns/wire/rdata.ts) and the cache-file text codec (dns/wire/upstream-rr.ts).
 * Types with the same layout share a shape: CNAME, DNAME, NS and PTR are one `name`.
 */
export type RdataShape = 'a' | 'aaaa' | 'name' | 'mx' | 'txt' | 'srv' | 'soa' | 'caa' | 'hinfo' | 'naptr' | 'tlsa' | 'ds' | 'sshfp' | 'svcb'

/** One RR type. */
export interface RrType {
  /** Upper-case mnemonic as IANA spells it. */
  readonly mnemonic: string
  /** 16-bit type number. */
  readonly code: number
  /** May be stored as a record (records file, API, TUI, cluster); false for meta and query-only types. */
  readonly storable: boolean
  /** dns-packet 5.6 knows it by name; other types travel through it as `UNKNOWN_<code>`. */
  readonly packetNamed: boolean
  /** RDATA layout, when some part of dnsplane reads or writes this type's RDATA. */
  readonly shape?: RdataShape
  /** Another spelling of a type listed under its IANA mnemonic (number -> mnemonic skips it). */
  readonly alias?: true
}

// flags: S = storable, P = named by dns-packet, = = alias spelling
function rr(mnemonic: string, code: number, flags: string, shape?: RdataShape): RrType {
  const t: { -readonly [K in keyof RrType]: RrType[K] } = { mnemonic, code, storable: flags.includes('S'), packetNamed: flags.includes('P') }
  if (shape !== undefined) t.shape = shape
  if (flags.includes('=')) t.alias = true
  return Object.freeze(t)
}

/** Every type dnsplane knows (the IANA registry's assigned types plus NSAPPTR), in number order. */
export const RR_TYPES: readonly RrType[] = Object.freeze([
  rr('A', 1, 'SP', 'a'), rr('NS', 2, 'SP', 'name'), rr('MD', 3, 'S'), rr('MF', 4, 'S'), rr('CNAME', 5, 'SP', 'name'),
  rr('SOA', 6, 'SP', 'soa'), rr('MB', 7, 'S'), rr('MG', 8, 'S'), rr('MR', 9, 'S'), rr('NULL', 10, 'SP'), rr('WKS', 11, ''),
  rr('PTR', 12, 'SP', 'name'), rr('HINFO', 13, 'SP', 'hinfo'), rr('MINFO', 14, 'S'), rr('MX', 15, 'SP', 'mx'),
  rr('TXT', 16, 'SP', 'txt'), rr('RP', 17, 'SP'), rr('AFSDB', 18, 'SP'), rr('X25', 19, 'S'), rr('ISDN', 20, 'S'),
  rr('RT', 21, 'S'), rr('NSAP', 22, ''), rr('NSAP-PTR', 23, ''), rr('NSAPPTR', 23, 'S='), rr('SIG', 24, 'SP'),
  rr('KEY', 25, 'SP'), rr('PX', 26, 'S'), rr('GPOS', 27, 'S'), rr('AAAA', 28, 'SP', 'aaaa'), rr('LOC', 29, 'SP'),
  rr('NXT', 30, ''), rr('EID', 31, ''), rr('NIMLOC', 32, ''), rr('SRV', 33, 'SP', 'srv'), rr('ATMA', 34, ''),
  rr('NAPTR', 35, 'SP', 'naptr'), rr('KX', 36, 'SP'), rr('CERT', 37, 'SP'), rr('A6', 38, ''), rr('DNAME', 39, 'SP', 'name'),
  rr('SINK', 40, ''), rr('OPT', 41, 'P'), rr('APL', 42, 'SP'), rr('DS', 43, 'SP', 'ds'), rr('SSHFP', 44, 'SP', 'sshfp'),
  rr('IPSECKEY', 45, 'SP'), rr('RRSIG', 46, 'SP'), rr('NSEC', 47, 'SP'), rr('DNSKEY', 48, 'SP'), rr('DHCID', 49, 'SP'),
  rr('NSEC3', 50, 'SP'), rr('NSEC3PARAM', 51, 'SP'), rr('TLSA', 52, 'SP', 'tlsa'), rr('SMIMEA', 53, 'S'), rr('HIP', 55, 'SP'),
  rr('NINFO', 56, ''), rr('RKEY', 57, ''), rr('TALINK', 58, ''), rr('CDS', 59, 'SP'), rr('CDNSKEY', 60, 'SP'),
  rr('OPENPGPKEY', 61, 'S'), rr('CSYNC', 62, 'S'), rr('ZONEMD', 63, 'S'), rr('SVCB', 64, 'S', 'svcb'),
  rr('HTTPS', 65, 'S', 'svcb'), rr('DSYNC', 66, ''), rr('SPF', 99, 'SP', 'txt'), rr('UINFO', 100, ''), rr('UID', 101, ''),
  rr('GID', 102, ''), rr('UNSPEC', 103, ''), rr('NID', 104, 'S'), rr('L32', 105, 'S'), rr('L64', 106, 'S'), rr('LP', 107, 'S'),
  rr('EUI48', 108, 'S'), rr('EUI64', 109, 'S'), rr('NXNAME', 128, ''), rr('TKEY', 249, 'P'), rr('TSIG', 250, 'P'),
  rr('IXFR', 251, 'P'), rr('AXFR', 252, 'P'), rr('MAILB', 253, ''), rr('MAILA', 254, ''), rr('ANY', 255, 'P'),
  rr('URI', 256, 'S'), rr('CAA', 257, 'SP', 'caa'), rr('AVC', 258, 'S'), rr('DOA', 259, ''), rr('AMTRELAY', 260, 'S'),
  rr('RESINFO', 261, 'S'), rr('WALLET', 262, ''), rr('CLA', 263, 'S'), rr('IPN', 264, 'S'), rr('TA', 32768, 'SP'),
  rr('DLV', 32769, 'SP'),
])

const BY_MNEMONIC = new Map(RR_TYPES.map((t) => [t.mnemonic, t]))
const BY_CODE = new Map(RR_TYPES.filter((t) => t.alias !== true).map((t) => [t.code, t]))

// Numbers the DNS code tests directly (RFC 1035 3.2.2 / 3.2.3, RFC 3596, RFC 6891, RFC 1995, RFC 5936).
export const TYPE_A = 1
export const TYPE_NS = 2
export const TYPE_CNAME = 5
export const TYPE_SOA = 6
export const TYPE_PTR = 12
export const TYPE_MX = 15
export const TYPE_TXT = 16
export const TYPE_AAAA = 28
export const TYPE_SRV = 33
export const TYPE_DNAME = 39
export const TYPE_DS = 43
export const TYPE_OPT = 41
export const TYPE_SVCB = 64
export const TYPE_HTTPS = 65
export const TYPE_IXFR = 251
export const TYPE_AXFR = 252
export const TYPE_MAILB = 253
export const TYPE_MAILA = 254
export const TYPE_ANY = 255

/** The entry for a mnemonic (any case, surrounding spaces ignored; no `TYPEnnn`), or undefined. */
export function rrTypeByMnemonic(mnemonic: string): RrType | undefined {
  return BY_MNEMONIC.get(mnemonic.trim().toUpperCase())
}

/** The entry for a type number (the IANA spelling, never an alias), or undefined. */
export function rrTypeByCode(code: number): RrType | undefined {
  return BY_CODE.get(code)
}

/** Mnemonic of a type number, `TYPEnnn` when the table lacks it (RFC 3597 5). */
export function typeName(code: number): string {
  return BY_CODE.get(code)?.mnemonic ?? 'TYPE' + code
}

/** Number of a mnemonic (any case) or of RFC 3597 `TYPEnnn` (0..65535), or undefined. */
export function typeNumber(mnemonic: string): number | undefined {
  const upper = mnemonic.toUpperCase()
  const known = BY_MNEMONIC.get(upper)
  if (known !== undefined) return known.code
  const m = /^TYPE(\d{1,5})$/.exec(upper)
  if (m) {
    const n = Number(m[1])
    if (n <= 65535) return n
  }
  return undefined
}

/** Mnemonics that may be stored as records (records file, API, TUI, cluster), upper case. */
export const STORABLE_TYPES: ReadonlySet<string> = new Set(RR_TYPES.filter((t) => t.storable).map((t) => t.mnemonic))

/** Every mnemonic in the table (accepted where a type is only named, e.g. the records `type` filter). */
export const ALL_TYPE_MNEMONICS: ReadonlySet<string> = new Set(RR_TYPES.map((t) => t.mnemonic))

/** True for types a client may not ask a plain resolver for: zone transfers and RFC 883 mailbox queries. */
export function isTransferOrMailQtype(code: number): boolean {
  return code === TYPE_IXFR || code === TYPE_AXFR || code === TYPE_MAILB || code === TYPE_MAILA
}
