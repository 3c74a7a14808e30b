/**
 * dnsservers.json model (upstream servers): codec with the original's key order and omitempty
 * rules, and the add/update/remove semantics of its REST API and TUI. Pure: no I/O.
 */
import { DnsplaneError } from '../errors.js'
import { canonicalIp, GO_ZERO_TIME } from './record.js'
import { fieldReader, isJsonObject, parseJsonText, stringifyGo } from './records-file.js'

/** Largest dnsservers.json we read, in bytes. */
export const MAX_SERVERS_FILE_BYTES = 16 * 1024 * 1024
/** Most server rows one file may hold. */
export const MAX_SERVERS = 10_000
/** Most domain_whitelist entries per row. */
export const MAX_WHITELIST_ENTRIES = 10_000
const MAX_FIELD_CHARS = 2048

export const SERVER_TRANSPORTS = ['udp', 'tcp', 'dot', 'doh'] as const
export type ServerTransport = (typeof SERVER_TRANSPORTS)[number]

/** One upstream row, field names as on disk. */
export interface DnsServer {
  /** IP literal (a URL is tolerated in the file for doh rows). */
  address: string
  /** Port as a decimal string, "53" by default. */
  port: string
  transport?: ServerTransport
  doh_url?: string
  active: boolean
  /** Stored but unused (original). */
  local_resolver: boolean
  /** Stored but unused (original). */
  adblocker: boolean
  /** Split-DNS suffixes: when set, this row serves only those names (exclusive routing). */
  domain_whitelist?: string[]
  fallback_address?: string
  fallback_port?: string
  fallback_transport?: ServerTransport
  fallback_doh_url?: string
  /** Never updated by the original; always written (zero time). */
  last_used: string
  last_success: string
}

/** Input for add/update (REST body or TUI key:value pairs). Absent = default (add) or unchanged (update). */
export interface ServerInput {
  address?: string
  port?: string | number
  transport?: string
  doh_url?: string
  active?: boolean
  local_resolver?: boolean
  adblocker?: boolean
  /** An empty list clears the whitelist. */
  domain_whitelist?: string[]
  /** "" clears all fallback fields. */
  fallback_address?: string
  fallback_port?: string | number
  fallback_transport?: string
  fallback_doh_url?: string
}

/** The row written when dnsservers.json does not exist: inactive, so only the global fallback is used. */
export const DEFAULT_SERVERS: readonly DnsServer[] = Object.freeze([
  Object.freeze({
    address: '1.1.1.1',
    port: '53',
    active: false,
    local_resolver: true,
    adblocker: false,
    last_used: GO_ZERO_TIME,
    last_success: GO_ZERO_TIME,
  }),
])

const reader = fieldReader('ERR_SERVERS_PARSE')

function parseFail(path: string, reason: string): never {
  throw new DnsplaneError('ERR_SERVERS_PARSE', `${path}: ${reason}`)
}

function isTransport(s: string): s is ServerTransport {
  return (SERVER_TRANSPORTS as readonly string[]).includes(s)
}

/** Validates one server object from the file; throws ERR_SERVERS_PARSE naming `path` and the field. */
export function parseServer(value: unknown, path: string): DnsServer {
  if (!isJsonObject(value)) parseFail(path, 'must be an object')
  const str = (key: string): string | undefined => reader.string(value, key, path, MAX_FIELD_CHARS, false) || undefined
  const address = reader.string(value, 'address', path, MAX_FIELD_CHARS, true) as string
  const transport = (key: string): ServerTransport | undefined => {
    const t = str(key)
    if (t === undefined) return undefined
    if (!isTransport(t)) parseFail(`${path}.${key}`, `must be one of ${SERVER_TRANSPORTS.join(', ')}`)
    return t
  }
  const s: DnsServer = {
    address,
    port: str('port') ?? '53',
    active: reader.bool(value, 'active', path) ?? false,
    local_resolver: reader.bool(value, 'local_resolver', path) ?? false,
    adblocker: reader.bool(value, 'adblocker', path) ?? false,
    last_used: reader.time(value, 'last_used', path),
    last_success: reader.time(value, 'last_success', path),
  }
  const t = transport('transport')
  if (t) s.transport = t
  const doh = str('doh_url')
  if (doh) s.doh_url = doh
  const wl = value.domain_whitelist
  if (wl !== undefined && wl !== null) {
    if (!Array.isArray(wl)) parseFail(`${path}.domain_whitelist`, 'must be an array of strings')
    if (wl.length > MAX_WHITELIST_ENTRIES) parseFail(`${path}.domain_whitelist`, `must have at most ${MAX_WHITELIST_ENTRIES} entries`)
    wl.forEach((e, i) => {
      if (typeof e !== 'string' || e.length > MAX_FIELD_CHARS) parseFail(`${path}.domain_whitelist[${i}]`, 'must be a string')
    })
    if (wl.length > 0) s.domain_whitelist = wl.slice() as string[]
  }
  const fa = str('fallback_address')
  if (fa) s.fallback_address = fa
  const fp = str('fallback_port')
  if (fp) s.fallback_port = fp
  const ft = transport('fallback_transport')
  if (ft) s.fallback_transport = ft
  const fd = str('fallback_doh_url')
  if (fd) s.fallback_doh_url = fd
  return s
}

/** Parses dnsservers.json text: `{"dnsservers":[...]}` or null (= empty). Throws ERR_SERVERS_PARSE. */
export function parseServersFile(text: string | Uint8Array): DnsServer[] {
  const doc = parseJsonText(text, MAX_SERVERS_FILE_BYTES, 'ERR_SERVERS_PARSE')
  if (!isJsonObject(doc)) parseFail('file', 'must be a JSON object with a "dnsservers" member')
  const list = doc.dnsservers
  if (list === null || list === undefined) return []
  if (!Array.isArray(list)) parseFail('dnsservers', 'must be an array or null')
  if (list.length > MAX_SERVERS) parseFail('dnsservers', `has ${list.length} rows, more than the limit of ${MAX_SERVERS}`)
  return list.map((v, i) => parseServer(v, `dnsservers[${i}]`))
}

/** The row with the original's key order and omitempty rules. */
export function serverToJson(s: DnsServer): Record<string, unknown> {
  const o: Record<string, unknown> = { address: s.address, port: s.port }
  if (s.transport) o.transport = s.transport
  if (s.doh_url) o.doh_url = s.doh_url
  o.active = s.active
  o.local_resolver = s.local_resolver
  o.adblocker = s.adblocker
  if (s.domain_whitelist && s.domain_whitelist.length > 0) o.domain_whitelist = s.domain_whitelist
  if (s.fallback_address) o.fallback_address = s.fallback_address
  if (s.fallback_port) o.fallback_port = s.fallback_port
  if (s.fallback_transport) o.fallback_transport = s.fallback_transport
  if (s.fallback_doh_url) o.fallback_doh_url = s.fallback_doh_url
  o.last_used = s.last_used || GO_ZERO_TIME
  o.last_success = s.last_success || GO_ZERO_TIME
  return o
}

/** Serialises dnsservers.json (compact or 2-space indent, trailing newline; empty set as `[]`). */
export function serializeServersFile(servers: readonly DnsServer[], pretty: boolean): string {
  return stringifyGo({ dnsservers: servers.map(serverToJson) }, pretty)
}

/** True when two addresses name the same server (IP spellings compared canonically). */
export function isSameAddress(a: string, b: string): boolean {
  const ia = canonicalIp(a)
  const ib = canonicalIp(b)
  return ia !== undefined && ib !== undefined ? ia === ib : a.trim() === b.trim()
}

function invalid(message: string): never {
  throw new DnsplaneError('ERR_SERVER_INVALID', message)
}

function portText(value: string | number, field: string): string {
  const s = String(value).trim()
  if (!/^\d{1,5}$/.test(s) || Number(s) < 1 || Number(s) > 65535) invalid(`${field}: must be a port 1..65535`)
  return String(Number(s))
}

function transportOf(value: string, field: string): ServerTransport {
  const t = value.trim().toLowerCase()
  if (!isTransport(t)) invalid(`${field}: must be one of ${SERVER_TRANSPORTS.join(', ')}`)
  return t
}

function httpsUrl(value: string, field: string): string {
  const v = value.trim()
  let ok = false
  try {
    ok = new URL(v).protocol === 'https:'
  } catch {
    ok = false // not a URL at all: reported below
  }
  if (!ok) invalid(`${field}: must be an https:// URL`)
  return v
}

function ipLiteral(value: unknown, field: string): string {
  if (typeof value !== 'string' || canonicalIp(value) === undefined) invalid(`${field}: must be an IP address`)
  return value.trim()
}

/** Applies the optional fields of `input` onto `s` (shared by add and update). */
function applyInput(s: DnsServer, input: ServerInput): void {
  if (input.transport !== undefined) {
    if (input.transport === '') delete s.transport
    else s.transport = transportOf(input.transport, 'transport')
  }
  if (input.doh_url !== undefined) {
    if (input.doh_url === '') delete s.doh_url
    else s.doh_url = httpsUrl(input.doh_url, 'doh_url')
  }
  if (input.active !== undefined) s.active = input.active === true
  if (input.local_resolver !== undefined) s.local_resolver = input.local_resolver === true
  if (input.adblocker !== undefined) s.adblocker = input.adblocker === true
  if (input.domain_whitelist !== undefined) {
    if (!Array.isArray(input.domain_whitelist) || input.domain_whitelist.length > MAX_WHITELIST_ENTRIES) {
      invalid(`domain_whitelist: must be an array of at most ${MAX_WHITELIST_ENTRIES} names`)
    }
    const list = input.domain_whitelist
      .map((e) => (typeof e === 'string' ? e.trim().toLowerCase().replace(/\.+$/, '') : invalid('domain_whitelist: entries must be strings')))
      .filter((e) => e !== '')
    if (list.length > 0) s.domain_whitelist = list
    else delete s.domain_whitelist
  }
  if (input.fallback_address !== undefined) {
    if (input.fallback_address === '') {
      // TUI semantics: an empty fallback address clears every fallback field.
      delete s.fallback_address
      delete s.fallback_port
      delete s.fallback_transport
      delete s.fallback_doh_url
    } else s.fallback_address = ipLiteral(input.fallback_address, 'fallback_address')
  }
  if (input.fallback_port !== undefined && input.fallback_port !== '') {
    s.fallback_port = portText(input.fallback_port, 'fallback_port')
  }
  if (input.fallback_transport !== undefined && input.fallback_transport !== '') {
    s.fallback_transport = transportOf(input.fallback_transport, 'fallback_transport')
  }
  if (input.fallback_doh_url !== undefined && input.fallback_doh_url !== '') {
    s.fallback_doh_url = httpsUrl(input.fallback_doh_url, 'fallback_doh_url')
  }
  if (s.doh_url === undefined && s.transport === 'doh') invalid('doh_url: is required for transport doh')
}

/**
 * Returns `servers` plus a new row built from `input`: address must be an IP literal not yet
 * listed; defaults port "53", active true, local_resolver true, adblocker false.
 * Throws ERR_SERVER_INVALID.
 */
export function addServer(servers: readonly DnsServer[], input: ServerInput): { servers: DnsServer[]; server: DnsServer } {
  const address = ipLiteral(input.address, 'address')
  if (servers.some((s) => isSameAddress(s.address, address))) invalid(`address: server ${address} already exists`)
  if (servers.length >= MAX_SERVERS) invalid(`cannot hold more than ${MAX_SERVERS} servers`)
  const s: DnsServer = {
    address,
    port: input.port === undefined || input.port === '' ? '53' : portText(input.port, 'port'),
    active: true,
    local_resolver: true,
    adblocker: false,
    last_used: GO_ZERO_TIME,
    last_success: GO_ZERO_TIME,
  }
  applyInput(s, input)
  return { servers: [...servers, s], server: s }
}

/**
 * Returns `servers` with the row for `address` updated from `input`: fields not given keep their
 * value, except `port`, which resets to "53" when omitted (the original's quirk). An `input.address`
 * different from `address` renames the row. Throws ERR_SERVER_NOT_FOUND / ERR_SERVER_INVALID.
 */
export function updateServer(
  servers: readonly DnsServer[],
  address: string,
  input: ServerInput,
): { servers: DnsServer[]; server: DnsServer } {
  const at = servers.findIndex((s) => isSameAddress(s.address, address))
  if (at < 0) throw new DnsplaneError('ERR_SERVER_NOT_FOUND', `no server with address ${address}`)
  const s: DnsServer = { ...servers[at] }
  if (s.domain_whitelist) s.domain_whitelist = s.domain_whitelist.slice()
  if (input.address !== undefined && input.address !== '' && !isSameAddress(input.address, s.address)) {
    const next = ipLiteral(input.address, 'address')
    if (servers.some((o) => isSameAddress(o.address, next))) invalid(`address: server ${next} already exists`)
    s.address = next
  }
  s.port = input.port === undefined || input.port === '' ? '53' : portText(input.port, 'port')
  applyInput(s, input)
  const out = servers.slice()
  out[at] = s
  return { servers: out, server: s }
}

/** Returns `servers` without the row for `address`; throws ERR_SERVER_NOT_FOUND. */
export function removeServer(servers: readonly DnsServer[], address: string): { servers: DnsServer[]; server: DnsServer } {
  const at = servers.findIndex((s) => isSameAddress(s.address, address))
  if (at < 0) throw new DnsplaneError('ERR_SERVER_NOT_FOUND', `no server with address ${address}`)
  return { servers: servers.filter((_, i) => i !== at), server: servers[at] }
}
