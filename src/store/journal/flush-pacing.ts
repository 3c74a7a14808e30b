/**
 * When the next background flush of dnsrecords.json may start. `records_flush_delay_ms` is the
 * delay for a small file; a large one takes longer to rewrite than that delay (about 5 s per
 * million records), and starting the next rewrite as soon as it is due would keep a node rewriting
 * its file all the time under a steady write stream: the disk takes the whole file per flush, and
 * the slices compete with DNS for the event loop. So the next flush waits until PACE_FACTOR times
 * the last flush's duration has passed since it ended (rewriting takes at most 1 / (1 + PACE_FACTOR)
 * of the time), never longer than PACE_MAX_MS: the journal holds the changes meanwhile, and a stop
 * or a requested flush writes the file at once.
 */

/** The next flush starts at least this many times the last flush's duration after it ended. */
export const PACE_FACTOR = 4
/** Upper bound of the paced wait, so the file never lags by more than this (or the configured delay). */
export const PACE_MAX_MS = 30_000

/** The last background flush: how long it took and when it ended (both ms, the same clock as `now`). */
export interface LastFlush {
  tookMs: number
  endedAt: number
}

/** The delay to schedule a background flush with, from a change marked dirty at `now`. */
export function pacedFlushDelay(configuredMs: number, last: LastFlush | undefined, now: number): number {
  if (!last) return configuredMs
  const rest = Math.min(last.tookMs * PACE_FACTOR, PACE_MAX_MS) - (now - last.endedAt)
  return Math.max(configuredMs, Math.ceil(rest))
}
