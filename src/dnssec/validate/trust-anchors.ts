/**
 * Trust anchors: DS or DNSKEY records in zone-file form (as BIND's and Unbound's anchor files hold them,
 * `; comments`, parentheses and all), read with the project's master-file lexer. Without a file, the IANA
 * root KSKs are built in (KSK-2017, tag 20326; KSK-2024, tag 38696). RFC 5011 automated rollover is not
 * done: a new root KSK means a new release or an anchor file. Pure.
 */
import { lexZone } from '../../zonefile/lexer.js'
import { isAbsolute, qualify } from '../../zonefile/names.js'
import { normName } from './names.js'
import { T } from './records.js'

export interface TrustAnchor {
  /** Zone the anchor is for, normalised ('' for the root). */
  zone: string
  type: typeof T.DS | typeof T.DNSKEY
  /** Wire RDATA of the DS or DNSKEY. */
  rdata: Buffer
}

export type AnchorParse = { ok: true; anchors: TrustAnchor[] } | { ok: false; line: number; reason: string }

/** The IANA root anchors, https://data.iana.org/root-anchors/root-anchors.xml, as DS records. */
export const ROOT_ANCHORS_TEXT = `. IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
. IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16
`

const CLASS = /^(IN|CLASS0*1)$/i
const OTHER_CLASS = /^(CH|CS|HS|CLASS\d+)$/i
const TTL = /^(\d+|(\d+[smhdw])+)$/i

/** Parses an anchor file's text; records other than DS/DNSKEY are an error, so a typo cannot weaken the anchors. */
export function parseTrustAnchors(text: string): AnchorParse {
  const lexed = lexZone(text)
  if (!lexed.ok) return lexed
  const anchors: TrustAnchor[] = []
  let origin = '.'
  let owner: string | undefined
  for (const e of lexed.entries) {
    const fail = (reason: string): AnchorParse => ({ ok: false, line: e.line, reason })
    const tokens = e.tokens.map((t) => t.text)
    if (!e.blankStart && tokens[0].startsWith('$')) {
      const directive = tokens[0].toUpperCase()
      if (directive === '$ORIGIN' && tokens.length === 2) origin = qualify(tokens[1], origin)
      else if (directive !== '$TTL') return fail(`unsupported directive ${tokens[0]}`)
      continue
    }
    let i = 0
    if (!e.blankStart) owner = qualify(tokens[i++], origin)
    if (owner === undefined) return fail('no owner name')
    while (i < tokens.length && (TTL.test(tokens[i]) || CLASS.test(tokens[i]))) i++
    if (i < tokens.length && OTHER_CLASS.test(tokens[i])) return fail(`class ${tokens[i]}: anchors are IN`)
    const type = (tokens[i] ?? '').toUpperCase()
    const fields = tokens.slice(i + 1)
    const rdata = type === 'DS' ? dsRdata(fields) : type === 'DNSKEY' ? dnskeyRdata(fields) : `type ${type || '(none)'}: anchors are DS or DNSKEY records`
    if (typeof rdata === 'string') return fail(rdata)
    anchors.push({ zone: normName(isAbsolute(owner) ? owner : `${owner}.`), type: type === 'DS' ? T.DS : T.DNSKEY, rdata })
  }
  if (anchors.length === 0) return { ok: false, line: 1, reason: 'no DS or DNSKEY record' }
  return { ok: true, anchors }
}

/** The built-in root anchors. */
export function rootAnchors(): TrustAnchor[] {
  const parsed = parseTrustAnchors(ROOT_ANCHORS_TEXT)
  /* c8 ignore next */
  if (!parsed.ok) throw new Error(`built-in anchors: ${parsed.reason}`)
  return parsed.anchors
}

function uint(text: string | undefined, max: number): number | undefined {
  if (text === undefined || !/^\d{1,5}$/.test(text)) return undefined
  const n = Number(text)
  return n <= max ? n : undefined
}

/** `keytag algorithm digesttype digest-hex...` (RFC 4034 5.3). */
function dsRdata(f: string[]): Buffer | string {
  const tag = uint(f[0], 65535)
  const alg = uint(f[1], 255)
  const digestType = uint(f[2], 255)
  const hex = f.slice(3).join('')
  if (tag === undefined || alg === undefined || digestType === undefined) return 'DS: key tag, algorithm and digest type must be numbers'
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(hex)) return 'DS: the digest must be hex'
  const head = Buffer.alloc(4)
  head.writeUInt16BE(tag, 0)
  head[2] = alg
  head[3] = digestType
  return Buffer.concat([head, Buffer.from(hex, 'hex')])
}

/** `flags protocol algorithm base64...` (RFC 4034 2.2). */
function dnskeyRdata(f: string[]): Buffer | string {
  const flags = uint(f[0], 65535)
  const protocol = uint(f[1], 255)
  const alg = uint(f[2], 255)
  const b64 = f.slice(3).join('')
  if (flags === undefined || protocol !== 3 || alg === undefined) return 'DNSKEY: flags, protocol 3 and algorithm must be numbers'
  if (b64.length === 0 || !/^[A-Za-z0-9+/]+=*$/.test(b64) || b64.length % 4 !== 0) return 'DNSKEY: the key must be base64'
  const head = Buffer.alloc(4)
  head.writeUInt16BE(flags, 0)
  head[2] = protocol
  head[3] = alg
  return Buffer.concat([head, Buffer.from(b64, 'base64')])
}
