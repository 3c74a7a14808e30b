/**
 * Block lists (adblock_list_files): parsing hosts-format and plain domain lists, and the set of blocked
 * names. Pure: no I/O (src/daemon/build-block.ts reads and watches the files).
 */

/** Addresses a hosts-format line may map a name to for it to count as blocked ("0.0.0.0 ads.example"). */
const SINK_ADDRESSES = new Set(['0.0.0.0', '127.0.0.1', '::', '::1', '0:0:0:0:0:0:0:0', '0:0:0:0:0:0:0:1'])
/** Names a hosts file maps to itself and that must never be blocked. */
const HOSTS_NOISE = new Set(['localhost', 'localhost.localdomain', 'local', 'broadcasthost', 'ip6-localhost', 'ip6-loopback', '0.0.0.0'])
/** RFC 1035 2.3.4 lengths; labels of letters, digits, '-', '_' (service labels and real-world names). */
const NAME = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/

/** The lower-cased name without its trailing dot, or undefined when it is no valid domain name. */
export function normalizeName(raw: string): string | undefined {
  let name = raw.toLowerCase()
  if (name.endsWith('.')) name = name.slice(0, -1)
  if (name.length === 0 || name.length > 253 || HOSTS_NOISE.has(name)) return undefined
  return NAME.test(name) ? name : undefined
}

/**
 * Adds the names of one list to `into` and returns how many lines were skipped as invalid. Accepted per
 * line: `# comment`, blank, `<sink address> name [name...]` (hosts format; other addresses are ignored,
 * they redirect rather than block), or a bare `name`. Trailing `# comments` are dropped.
 */
export function parseBlockList(text: string, into: Set<string>): number {
  let skipped = 0
  let start = 0
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end < 0) end = text.length
    skipped += parseLine(text.slice(start, end), into)
    start = end + 1
  }
  return skipped
}

function parseLine(line: string, into: Set<string>): number {
  const hash = line.indexOf('#')
  const body = (hash >= 0 ? line.slice(0, hash) : line).trim()
  if (body.length === 0) return 0
  const fields = body.split(/\s+/)
  if (fields.length === 1) return addName(fields[0], into)
  if (!SINK_ADDRESSES.has(fields[0])) return isIpLike(fields[0]) ? 0 : 1
  let skipped = 0
  for (let i = 1; i < fields.length; i++) skipped += addName(fields[i], into)
  return skipped
}

function addName(raw: string, into: Set<string>): number {
  const name = normalizeName(raw)
  if (name === undefined) return HOSTS_NOISE.has(raw.toLowerCase()) ? 0 : 1
  // a substring of the file text (V8 sliced string, ~32 bytes + the shared text): measured smaller than
  // a copy per name, see docs/benchmarks.md
  into.add(name)
  return 0
}

function isIpLike(s: string): boolean {
  return s.includes(':') || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(s)
}

/** The blocked names: exact match on the lower-cased name (no subdomains, as a hosts file). */
export class BlockList {
  /** Bumped on every replace(): caches of answers (the UDP fast path) compare it. */
  generation = 0

  constructor(private names: ReadonlySet<string> = new Set()) {}

  get size(): number {
    return this.names.size
  }

  /** `qname` as the responder has it: lower case, no trailing dot. */
  has(qname: string): boolean {
    return this.names.has(qname)
  }

  replace(names: ReadonlySet<string>): void {
    this.names = names
    this.generation++
  }
}
