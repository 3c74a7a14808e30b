/**
 * Zone SOA serials: Knot's "unixtime" policy made cluster-friendly. A change moves the serial to
 * max(unix seconds of the change, serial + 1) in RFC 1982 serial arithmetic, so nodes that see the same
 * change (same updated_on) land on the same serial, and the serial never goes backwards. Pure.
 */

const SERIAL_MOD = 0x1_0000_0000
const HALF = 0x8000_0000

/** RFC 1982 3.1: `a + n` for 0 <= n < 2^31, modulo 2^32. */
export function serialAdd(a: number, n: number): number {
  return (a + n) % SERIAL_MOD
}

/** RFC 1982 3.2: true when `a` is greater than `b` (undefined pairs, exactly 2^31 apart, are not). */
export function isSerialGreater(a: number, b: number): boolean {
  return (a < b && b - a > HALF) || (a > b && a - b < HALF)
}

/** The greater of two serials under RFC 1982 (the first when they are equal or incomparable). */
export function serialMax(a: number, b: number): number {
  return isSerialGreater(b, a) ? b : a
}

/** Serial after a change at `changeSeconds` (unix time) to a zone at `current`. */
export function nextSerial(current: number, changeSeconds: number): number {
  return serialMax(serialAdd(current, 1), toSerial(changeSeconds))
}

/** Serial at start-up: the newest of the persisted serial, the newest record time and the stored SOA's serial. */
export function startSerial(candidates: readonly (number | undefined)[]): number {
  let out: number | undefined
  for (const c of candidates) {
    if (c === undefined || !Number.isFinite(c) || c < 0) continue
    const s = toSerial(c)
    out = out === undefined ? s : serialMax(out, s)
  }
  return out ?? 0
}

/** Whole seconds as a 32-bit serial. */
export function toSerial(seconds: number): number {
  return Math.floor(seconds) % SERIAL_MOD
}

/** Unix seconds of an RFC 3339 record time, or undefined for a zero, missing or unreadable time. */
export function recordSeconds(time: string | undefined): number | undefined {
  if (!time || time.startsWith('0001-')) return undefined
  const ms = Date.parse(time)
  return Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : undefined
}

/**
 * A record's version time in unix seconds: the newer of updated_on and added_on (a record added and never
 * updated carries only added_on; both travel with it through the cluster). Undefined when neither is set.
 */
export function versionSeconds(r: { updated_on?: string; added_on?: string }): number | undefined {
  const u = recordSeconds(r.updated_on)
  const a = recordSeconds(r.added_on)
  return u === undefined ? a : a === undefined || u >= a ? u : a
}
