/**
 * The on-disk form of a zone's IXFR history (src/zones/history-file.ts): one line per difference,
 * `<checksum> <json>`, where the checksum is the first 16 hex digits of SHA-256 over the JSON text. The
 * file is untrusted input: a line that fails its checksum, its shape or the chain (each difference
 * starts where the previous ended) ends what is read. Pure.
 */
import { createHash } from 'node:crypto'
import { encodeName } from '../dns/wire/rdata.js'
import { TYPE_SOA } from '../store/rr-types.js'
import type { WireRR } from '../dns/wire/wire.js'
import { diffWireBytes, type ZoneDiff } from './zone-tracker.js'
import type { ZoneRR } from './zone-content.js'

/** Version tag of a line; a line with another is not ours (a newer format) and ends the read. */
const LINE_VERSION = 1

interface DiffLine {
  v: number
  zone: string
  from: number
  to: number
  /** Content digest at `to` (zone-content.ts), to check the history ends at the content loaded. */
  digest: string
  /** [owner key, base64 of TYPE CLASS TTL RDLENGTH RDATA]; the SOAs at `from` and `to`, then the RRs. */
  old: [string, string]
  new: [string, string]
  del: [string, string][]
  add: [string, string][]
}

/** One line (newline included) for a difference of zone `apex`. */
export function encodeDiffLine(apex: string, d: ZoneDiff): string {
  const pair = (rr: WireRR): [string, string] => [rr.name, rr.body.toString('base64')]
  const line: DiffLine = {
    v: LINE_VERSION, zone: apex, from: d.from, to: d.to, digest: d.digest,
    old: pair(d.oldSoa), new: pair(d.newSoa), del: d.removed.map(pair), add: d.added.map(pair),
  }
  const json = JSON.stringify(line)
  return checksum(json) + ' ' + json + '\n'
}

export interface DecodedHistory {
  /** The differences read, oldest first, forming one chain (the part before a break is dropped). */
  diffs: ZoneDiff[]
  /** Why reading stopped before the end of the text (the rest is ignored), or undefined. */
  cut?: string
  /** 1-based line where it stopped. */
  cutLine?: number
  /** True when the chain broke and the older part was dropped (e.g. a history that restarted). */
  restarted: boolean
}

/** Reads a history file's text for zone `apex`. Never throws. */
export function decodeHistory(apex: string, text: string): DecodedHistory {
  if (text === '') return { diffs: [], restarted: false }
  let diffs: ZoneDiff[] = []
  let restarted = false
  const lines = text.split('\n')
  // a final line with no newline is a write cut short (a crash): not read
  const complete = text.endsWith('\n') ? lines.length - 1 : lines.length
  for (let i = 0; i < complete; i++) {
    const d = i === lines.length - 1 ? 'the last line is incomplete' : decodeLine(apex, lines[i])
    if (typeof d === 'string') return { diffs, cut: d, cutLine: i + 1, restarted }
    const prev = diffs[diffs.length - 1]
    if (prev && prev.to !== d.from) {
      diffs = []
      restarted = true
    }
    diffs.push(d)
  }
  return { diffs, restarted }
}

/** One line as a difference, or why it is not one. */
function decodeLine(apex: string, line: string): ZoneDiff | string {
  const sp = line.indexOf(' ')
  if (sp !== 16) return 'no checksum'
  const json = line.slice(17)
  if (checksum(json) !== line.slice(0, 16)) return 'checksum mismatch'
  let v: Partial<DiffLine>
  try {
    v = JSON.parse(json) as Partial<DiffLine>
  } catch {
    return 'not JSON'
  }
  if (!v || typeof v !== 'object' || v.v !== LINE_VERSION) return 'unknown line version'
  if (v.zone !== apex) return 'another zone'
  if (!isSerial(v.from) || !isSerial(v.to) || typeof v.digest !== 'string') return 'bad serials or digest'
  const oldSoa = rrOf(v.old, apex)
  const newSoa = rrOf(v.new, apex)
  if (!oldSoa || !newSoa || rrType(oldSoa) !== TYPE_SOA || rrType(newSoa) !== TYPE_SOA) return 'bad SOA'
  const removed = rrList(v.del)
  const added = rrList(v.add)
  if (!removed || !added) return 'bad RR'
  const d: ZoneDiff = { from: v.from, to: v.to, digest: v.digest, oldSoa, newSoa, removed, added, bytes: 0 }
  d.bytes = diffWireBytes(d)
  return d
}

function rrList(v: unknown): ZoneRR[] | undefined {
  if (!Array.isArray(v)) return undefined
  const out: ZoneRR[] = []
  for (const p of v) {
    const rr = rrOf(p)
    if (!rr) return undefined
    out.push({ ...rr, key: rr.name + '|' + rr.body.toString('hex') })
  }
  return out
}

/** A [name, base64 body] pair as an RR: the name must encode, the body hold its own RDLENGTH exactly. */
function rrOf(v: unknown, owner?: string): WireRR | undefined {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') return undefined
  const [name, b64] = v as [string, string]
  if (owner !== undefined && name !== owner) return undefined
  if (name.length > 1024 || encodeName(name) === undefined) return undefined
  const body = Buffer.from(b64, 'base64')
  if (body.length < 10 || body.readUInt16BE(8) !== body.length - 10) return undefined
  if (rrType({ name, body }) === TYPE_SOA && body.length < 10 + 2 + 20) return undefined
  return { name, body }
}

function rrType(rr: WireRR): number {
  return rr.body.readUInt16BE(0)
}

function isSerial(n: unknown): n is number {
  return Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffffffff
}

function checksum(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 16)
}
