/**
 * RFC 1035 5 master-file parser (pure): $ORIGIN, $TTL (RFC 2308 4), $INCLUDE (read through a port,
 * bounded in depth and bytes), `@`, relative names, omitted owner / TTL / class, multi-line
 * entries, comments, quoted strings and escapes, every storable type (RFC 3597 `TYPEnnn` and `\#`
 * included). Each record goes through THE record codec (store/record-json.ts), so a zone file
 * accepts exactly what the API accepts; every error names file:line and the reason.
 */
import { decodeRecordJson, describeRecordProblem } from '../store/record-json.js'
import { MAX_RECORDS } from '../store/records-file.js'
import { rrTypeByMnemonic, typeName, typeNumber } from '../store/rr-types.js'
import { UINT32_MAX } from '../values.js'
import { lexZone, type ZoneEntry, type ZoneToken } from './lexer.js'
import { absoluteOrigin, decodeUtf8Escapes, nameFields, qualify } from './names.js'

/** Deepest $INCLUDE nesting followed (the top file is depth 0). */
export const MAX_INCLUDE_DEPTH = 8
/** Bytes read over the top file and every included file together. */
export const MAX_ZONE_BYTES = 64 * 1024 * 1024
/** Errors collected before the parser stops. */
export const MAX_ZONE_ERRORS = 20

/** Reads an $INCLUDE target: `path` as written, `from` the including file; resolves the path and bounds the size. */
export interface ZoneFileReader {
  read(path: string, from: string): Promise<{ name: string; text: string }>
}

export interface ParseZoneOptions {
  /** How the top file is named in errors. */
  file: string
  /** Initial $ORIGIN (absolute or not; "." when absent). */
  origin?: string
  /** TTL of records before any $TTL or explicit TTL; without it such a record is an error. */
  defaultTtl?: number
  /** $INCLUDE is refused without a reader. */
  reader?: ZoneFileReader
  maxIncludeDepth?: number
  maxBytes?: number
  maxRecords?: number
}

/** One parsed record: the stored form (canonical name, upper-case type, absolute names in the value) and where it was. */
export interface ZoneRecord {
  name: string
  type: string
  value: string
  ttl: number
  file: string
  line: number
}

export interface ZoneError {
  file: string
  line: number
  reason: string
}

export type ParseZoneResult = { ok: true; records: ZoneRecord[]; files: number } | { ok: false; errors: ZoneError[] }

/** `file:line: reason`. */
export function formatZoneError(e: ZoneError): string {
  return `${e.file}:${e.line}: ${e.reason}`
}

/** A TTL in seconds, or undefined: digits, or BIND units (`1h30m`, `2d`, `1w`). */
export function parseTtl(text: string): number | undefined {
  let total: number
  if (/^\d{1,10}$/.test(text)) total = Number(text)
  else if (/^(\d{1,10}[smhdw])+$/i.test(text)) {
    const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }
    total = 0
    for (const m of text.toLowerCase().matchAll(/(\d+)([smhdw])/g)) total += Number(m[1]) * unit[m[2]]
  } else return undefined
  return total <= UINT32_MAX ? total : undefined
}

const CLASSES = /^(IN|CH|CS|HS|CLASS\d{1,5})$/i

class ParseStop extends Error {}

interface Scope {
  file: string
  origin: string
  owner?: string
  depth: number
}

/** Parses a master file; resolves (never rejects on bad input) with the records or the errors. */
export async function parseZone(text: string, opts: ParseZoneOptions): Promise<ParseZoneResult> {
  const p = new ZoneParser(opts)
  try {
    await p.file(text, { file: opts.file, origin: absoluteOrigin(opts.origin ?? '.'), depth: 0 })
  } catch (err) {
    if (!(err instanceof ParseStop)) throw err
  }
  return p.errors.length > 0 ? { ok: false, errors: p.errors } : { ok: true, records: p.records, files: p.files }
}

class ZoneParser {
  readonly records: ZoneRecord[] = []
  readonly errors: ZoneError[] = []
  files = 0
  private bytes = 0
  private ttl: number | undefined
  private lastTtl: number | undefined

  constructor(private readonly opts: ParseZoneOptions) {}

  private fail(file: string, line: number, reason: string): void {
    this.errors.push({ file, line, reason })
    if (this.errors.length >= MAX_ZONE_ERRORS) throw new ParseStop()
  }

  async file(text: string, scope: Scope): Promise<void> {
    this.files++
    this.bytes += Buffer.byteLength(text, 'utf8')
    const max = this.opts.maxBytes ?? MAX_ZONE_BYTES
    if (this.bytes > max) return this.fail(scope.file, 1, `zone files exceed ${max} bytes together`)
    const lexed = lexZone(text)
    if (!lexed.ok) return this.fail(scope.file, lexed.line, lexed.reason)
    for (const entry of lexed.entries) {
      const first = entry.tokens[0].text
      if (!entry.blankStart && !entry.tokens[0].quoted && first.startsWith('$')) await this.directive(entry, scope)
      else this.record(entry, scope)
    }
  }

  private async directive(entry: ZoneEntry, scope: Scope): Promise<void> {
    const [head, ...args] = entry.tokens
    const fail = (reason: string): void => this.fail(scope.file, entry.line, reason)
    switch (head.text.toUpperCase()) {
      case '$ORIGIN':
        if (args.length !== 1) return fail('$ORIGIN takes one name')
        scope.origin = qualify(decodeUtf8Escapes(args[0].text), scope.origin)
        return
      case '$TTL': {
        const ttl = args.length === 1 ? parseTtl(args[0].text) : undefined
        if (ttl === undefined) return fail(`$TTL takes one TTL (seconds 0..${UINT32_MAX} or units such as 1h30m)`)
        this.ttl = ttl
        return
      }
      case '$INCLUDE':
        return this.include(entry, args, scope)
      default:
        return fail(`unsupported directive ${head.text}`)
    }
  }

  private async include(entry: ZoneEntry, args: ZoneToken[], scope: Scope): Promise<void> {
    const fail = (reason: string): void => this.fail(scope.file, entry.line, reason)
    if (args.length < 1 || args.length > 2) return fail('$INCLUDE takes a file name and an optional origin')
    if (!this.opts.reader) return fail('$INCLUDE is not allowed here')
    const maxDepth = this.opts.maxIncludeDepth ?? MAX_INCLUDE_DEPTH
    if (scope.depth + 1 > maxDepth) return fail(`$INCLUDE nested deeper than ${maxDepth} files`)
    let read: { name: string; text: string }
    try {
      read = await this.opts.reader.read(args[0].text, scope.file)
    } catch (err) {
      return fail(`$INCLUDE ${args[0].text}: ${(err as Error).message}`)
    }
    // RFC 1035 5.1: the included file may name its own origin; the including file's is unchanged after it.
    const origin = args.length === 2 ? qualify(decodeUtf8Escapes(args[1].text), scope.origin) : scope.origin
    await this.file(read.text, { file: read.name, origin, depth: scope.depth + 1, owner: scope.owner })
  }

  private record(entry: ZoneEntry, scope: Scope): void {
    const fail = (reason: string): void => this.fail(scope.file, entry.line, reason)
    const tokens = entry.tokens
    let i = 0
    if (!entry.blankStart) scope.owner = qualify(decodeUtf8Escapes(tokens[i++].text), scope.origin)
    else if (scope.owner === undefined) return fail('no owner name: the first record must name one')
    let ttl: number | undefined
    let sawClass = false
    for (let k = 0; k < 2 && i < tokens.length && !tokens[i].quoted; k++) {
      const t = tokens[i].text
      const asTtl = ttl === undefined ? parseTtl(t) : undefined
      if (asTtl !== undefined) ttl = asTtl
      else if (!sawClass && CLASSES.test(t)) {
        if (!/^(IN|CLASS0*1)$/i.test(t)) return fail(`class ${t}: only IN records are served`)
        sawClass = true
      } else break
      i++
    }
    if (i >= tokens.length) return fail('no type')
    const code = tokens[i].quoted ? undefined : typeNumber(tokens[i].text)
    const type = code === undefined ? undefined : rrTypeByMnemonic(typeName(code))
    if (!type) return fail(`unknown type ${tokens[i].text}`)
    if (!type.storable) return fail(`type ${type.mnemonic} cannot be stored as a record`)
    const rdata = tokens.slice(i + 1)
    if (rdata.length === 0) return fail(`${type.mnemonic} record without data`)
    if (ttl !== undefined) this.lastTtl = ttl
    const effective = ttl ?? this.ttl ?? this.lastTtl ?? this.opts.defaultTtl
    if (effective === undefined) return fail('no TTL: give one, or set $TTL before this record')
    const value = presentValue(type.mnemonic, rdata, scope.origin)
    if (typeof value !== 'string') return fail(value.reason)
    const d = decodeRecordJson({ name: scope.owner, type: type.mnemonic, value, ttl: effective }, { normalize: true })
    if (!d.ok) return fail(describeRecordProblem(d))
    const max = this.opts.maxRecords ?? MAX_RECORDS
    if (this.records.length >= max) {
      fail(`more than ${max} records`)
      throw new ParseStop()
    }
    this.records.push({ name: d.record.name, type: d.record.type, value: d.record.value, ttl: d.record.ttl, file: scope.file, line: entry.line })
  }
}

/** SOA fields after the serial may be written with TTL units (BIND); the stored value has seconds. */
const SOA_TIMER_FIELDS = new Set([3, 4, 5, 6])

/** The stored value text: fields joined by one space, name fields made absolute, quoted fields re-quoted. */
function presentValue(type: string, rdata: ZoneToken[], origin: string): string | { reason: string } {
  const names = nameFields(type, rdata[0].quoted ? undefined : rdata[0].text)
  const out: string[] = []
  for (let k = 0; k < rdata.length; k++) {
    const t = rdata[k]
    if (t.quoted && t.joined && out.length > 0) out[out.length - 1] += `"${t.text}"`
    else if (t.quoted) out.push(`"${t.text}"`)
    else if (names.includes(k)) out.push(qualify(decodeUtf8Escapes(t.text), origin))
    else if (type === 'SOA' && SOA_TIMER_FIELDS.has(k)) {
      const seconds = parseTtl(t.text)
      if (seconds === undefined) return { reason: `value: SOA field ${k + 1} "${t.text.slice(0, 32)}" is not a number of seconds` }
      out.push(String(seconds))
    } else out.push(t.text)
  }
  return out.join(' ')
}
