/**
 * Small value helpers every layer shares (issue #11: each was defined in several places).
 * Pure: no I/O, imports nothing.
 */

/** Largest unsigned 32-bit integer: a DNS TTL (RFC 2181 8), SOA serial/timers, a JSON ttl field. */
export const UINT32_MAX = 4_294_967_295

/** True for a plain JSON object: not null, not an array. */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** True for an integer 0..UINT32_MAX (a TTL, a serial). */
export function isUint32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= UINT32_MAX
}
