/**
 * Argument parsing for TUI commands, following the original's rules (api-tui-dashboard spec §4.3).
 * Pure: every function returns a value or throws UsageError naming the bad argument.
 */
import { canonicalIp } from '../../store/record.js'
import { isKnownRecordType } from '../../store/record-validate.js'
import { UsageError } from './types.js'

/**
 * Largest TTL the TUI accepts: the API's and docs/records.md's 0..4294967295 (an unsigned 32-bit
 * field, RFC 1035 3.2.1). RFC 2181 §8 asks resolvers to read values above 2^31 - 1 as 0.
 */
export const MAX_TTL_SECONDS = 4_294_967_295

export function isRecordType(text: string): boolean {
  return isKnownRecordType(text)
}

/** 'A' for an IPv4 address, 'AAAA' for IPv6, undefined otherwise. */
export function addressType(text: string): 'A' | 'AAAA' | undefined {
  const ip = canonicalIp(text)
  if (ip === undefined) return undefined
  return ip.includes(':') ? 'AAAA' : 'A'
}

export function parseTtl(text: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > MAX_TTL_SECONDS) {
    throw new UsageError(`invalid ttl "${text}": expected seconds 0..${MAX_TTL_SECONDS}`)
  }
  return Number(text)
}

export function parsePort(text: string, what = 'port'): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new UsageError(`invalid ${what} "${text}": expected 1..65535`)
  }
  return Number(text)
}

/** Go strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False. */
export function parseBool(text: string, key: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false
  throw new UsageError(`${key}: "${text}" is not a boolean (true/false)`)
}

export interface RecordArgs {
  name: string
  type: string
  value: string
  ttl?: number
}

/**
 * `add|update <name> [type] <value> [ttl]`.
 * Two arguments: an IP address and a name in either order; the type (A/AAAA) follows from the IP.
 * Three: `<name> <type> <value>`, or `<name> <ip> <ttl>` with the type inferred.
 */
export function parseRecordArgs(args: string[]): RecordArgs {
  if (args.length < 2) throw new UsageError('expected at least a name and a value')
  if (args.length > 4) throw new UsageError(`too many arguments (${args.length}); ${quoteHint(args)}`)
  if (args.length === 4 && isMultiWordType(args[1]) && !/^\d+$/.test(args[3])) throw new UsageError(`"${args[3]}" is not a ttl; ${quoteHint(args)}`)
  if (args.length === 2) {
    const [a, b] = args
    const bt = addressType(b)
    if (bt) return { name: a, type: bt, value: b }
    const at = addressType(a)
    if (at) return { name: b, type: at, value: a }
    throw new UsageError(`with two arguments one must be an IP address (got "${a}" and "${b}"); otherwise give the type: <name> <type> <value>`)
  }
  if (args.length === 3) {
    const [name, second, third] = args
    if (isRecordType(second)) return { name, type: second.toUpperCase(), value: shellValue(second, third) }
    const t = addressType(second)
    if (t && /^\d+$/.test(third)) return { name, type: t, value: second, ttl: parseTtl(third) }
    throw new UsageError(`"${second}" is not a record type; expected <name> <type> <value> or <name> <ip> <ttl>`)
  }
  const [name, type, value, ttl] = args
  if (!isRecordType(type)) throw new UsageError(`unknown record type "${type}"`)
  return { name, type: type.toUpperCase(), value: shellValue(type, value), ttl: parseTtl(ttl) }
}

/**
 * What to quote when a multi-word value (MX "10 mail", SRV, CAA, TXT) was typed unquoted:
 * `quote the value: "20 mail.example.com"`. A last argument that is a number is kept as the ttl.
 */
/** Types whose value is one word (an address or a name); every other type's value has several fields. */
const ONE_WORD_TYPES: ReadonlySet<string> = new Set(['A', 'AAAA', 'CNAME', 'NS', 'PTR', 'DNAME', 'ANAME'])

/** True for a known record type whose value is several words (MX, SRV, CAA, SOA, TXT…). */
export function isMultiWordType(type: string): boolean {
  return isRecordType(type) && !ONE_WORD_TYPES.has(type.toUpperCase())
}

export function quoteHint(args: readonly string[]): string {
  if (args.length < 4 || !isMultiWordType(args[1])) return 'quote values that contain spaces'
  const end = /^\d+$/.test(args[args.length - 1]) && args.length > 4 ? args.length - 1 : args.length
  const value = args.slice(2, end).join(' ').replace(/["\\]/g, '\\$&')
  return `quote the value: "${value}"`
}

/**
 * A TXT value typed as one shell argument (`"v=spf1 -all"`) means one character-string: quote it in
 * zone-file form, or the spaces would split it into several strings (RFC 1035 5.1). Values that are
 * already quoted, and other types, pass through.
 */
export function shellValue(type: string, value: string): string {
  if (type.toUpperCase() !== 'TXT' || value.startsWith('"')) return value
  return '"' + value.replace(/["\\]/g, '\\$&') + '"'
}

export type RemoveArgs = { id: string } | { name: string; type?: string; value?: string }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * `remove <name> [type] <value>` | `remove <name>` (only record of that name) | `remove <name> <type>` |
 * `remove <name> <ip>` (type inferred) | `remove <id>` (a record UUID).
 */
export function parseRemoveArgs(args: string[]): RemoveArgs {
  if (args.length === 0) throw new UsageError('expected a name (or a record id)')
  if (args.length > 3) throw new UsageError(`too many arguments (${args.length}); quote values that contain spaces`)
  if (args.length === 1) return UUID.test(args[0]) ? { id: args[0].toLowerCase() } : { name: args[0] }
  if (args.length === 2) {
    const [a, b] = args
    if (isRecordType(b)) return { name: a, type: b.toUpperCase() }
    const bt = addressType(b)
    if (bt) return { name: a, type: bt, value: b }
    const at = addressType(a)
    if (at) return { name: b, type: at, value: a }
    return { name: a, value: b }
  }
  const [name, type, value] = args
  if (!isRecordType(type)) throw new UsageError(`unknown record type "${type}"`)
  return { name, type: type.toUpperCase(), value: shellValue(type, value) }
}

export interface ListArgs {
  details: boolean
  name?: string
  type?: string
}

/** `list [details|d] [filter]`: a filter that is a record type filters by type, else by name substring. */
export function parseListArgs(args: string[]): ListArgs {
  let details = false
  const rest: string[] = []
  for (const a of args) {
    if (a === 'details' || a === 'd') details = true
    else rest.push(a)
  }
  if (rest.length > 1) throw new UsageError('expected at most one filter (a type or part of a name)')
  if (rest.length === 0) return { details }
  const f = rest[0]
  return isRecordType(f) ? { details, type: f.toUpperCase() } : { details, name: f }
}

/** Body fields of POST/PUT /dns/servers as the original names them. */
export interface ServerFields {
  address: string
  port?: number
  active?: boolean
  local_resolver?: boolean
  adblocker?: boolean
  domain_whitelist?: string[]
  transport?: string
  doh_url?: string
  fallback_address?: string
  fallback_port?: number
  fallback_transport?: string
  fallback_doh_url?: string
}

/** Keys of `dns add|update` key:value arguments (with the original's spellings) → body field. */
export const SERVER_KEYS: Record<string, keyof ServerFields> = {
  active: 'active',
  localresolver: 'local_resolver',
  local_resolver: 'local_resolver',
  adblocker: 'adblocker',
  whitelist: 'domain_whitelist',
  domain_whitelist: 'domain_whitelist',
  transport: 'transport',
  doh_url: 'doh_url',
  fallback_address: 'fallback_address',
  fallback_port: 'fallback_port',
  fallback_transport: 'fallback_transport',
  fallback_doh_url: 'fallback_doh_url',
}

/** `add|update <ip> [port] [key:value…]`. An empty `whitelist:` clears the list; empty `fallback_address:` clears fallback. */
export function parseServerArgs(args: string[]): ServerFields {
  if (args.length === 0) throw new UsageError('expected the server address')
  const address = args[0]
  if (address.includes(':') && canonicalIp(address) === undefined) {
    throw new UsageError(`"${address}" is not an address; usage: <ip> [port] [key:value…]`)
  }
  const out: ServerFields = { address }
  let i = 1
  if (i < args.length && /^\d+$/.test(args[i])) {
    out.port = parsePort(args[i])
    i++
  }
  for (; i < args.length; i++) {
    const arg = args[i]
    const colon = arg.indexOf(':')
    if (colon <= 0) throw new UsageError(`expected key:value, got "${arg}" (keys: ${Object.keys(SERVER_KEYS).join(', ')})`)
    const key = arg.slice(0, colon).toLowerCase()
    const value = arg.slice(colon + 1)
    const field = SERVER_KEYS[key]
    if (field === undefined) throw new UsageError(`unknown key "${key}" (keys: ${Object.keys(SERVER_KEYS).join(', ')})`)
    switch (field) {
      case 'active':
      case 'local_resolver':
      case 'adblocker':
        out[field] = parseBool(value, key)
        break
      case 'domain_whitelist':
        out.domain_whitelist = value.split(',').map((s) => s.trim()).filter((s) => s !== '')
        break
      case 'fallback_port':
        out.fallback_port = value === '' ? undefined : parsePort(value, key)
        break
      default:
        ;(out as unknown as Record<string, string>)[field] = value
    }
  }
  return out
}

export interface DigArgs {
  name: string
  type?: string
  server?: string
  port?: number
}

/** `dig [type] <name|ip> [type] [@server] [port]`. */
export function parseDigArgs(args: string[]): DigArgs {
  let name: string | undefined
  let type: string | undefined
  let server: string | undefined
  let port: number | undefined
  for (const a of args) {
    if (a.startsWith('@')) {
      if (server !== undefined) throw new UsageError('only one @server may be given')
      server = a.slice(1)
      if (server === '') throw new UsageError('empty @server')
    } else if (server !== undefined && /^\d+$/.test(a) && port === undefined) {
      port = parsePort(a)
    } else if (type === undefined && isRecordType(a) && (name !== undefined || args.some((o) => o !== a && !o.startsWith('@') && !/^\d+$/.test(o)))) {
      type = a.toUpperCase()
    } else if (name === undefined) {
      name = a
    } else {
      throw new UsageError(`unexpected argument "${a}"`)
    }
  }
  if (name === undefined) throw new UsageError('expected a name or IP to look up')
  return { name, type, server, port }
}
