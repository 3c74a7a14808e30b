/**
 * The one place that turns a configured delay into a Node timer. Node keeps timer delays in a
 * signed 32-bit millisecond field: a larger (or non-finite) delay is replaced by 1 ms with a
 * TimeoutOverflowWarning, so an interval of "30 days" would fire back to back. Every timer whose
 * delay comes from configuration or a peer goes through here and is clamped to 1..MAX_TIMER_DELAY_MS.
 */
import { setTimeout as sleepPromise } from 'node:timers/promises'

/** Largest delay Node's timers honour: 2^31 - 1 ms (about 24.8 days). */
export const MAX_TIMER_DELAY_MS = 2_147_483_647

/** `ms` clamped to 1..MAX_TIMER_DELAY_MS; NaN and values below 1 become 1 (as Node does). */
export function clampDelayMs(ms: number): number {
  if (!(ms >= 1)) return 1
  return ms > MAX_TIMER_DELAY_MS ? MAX_TIMER_DELAY_MS : ms
}

/** setTimeout with the delay clamped (see clampDelayMs). */
export function setClampedTimeout(fn: () => void, ms: number): NodeJS.Timeout {
  return setTimeout(fn, clampDelayMs(ms))
}

/** setInterval with the period clamped (see clampDelayMs). */
export function setClampedInterval(fn: () => void, ms: number): NodeJS.Timeout {
  return setInterval(fn, clampDelayMs(ms))
}

/** Resolves after `ms` (clamped); rejects with an AbortError when `signal` aborts. */
export function sleepClamped(ms: number, signal?: AbortSignal): Promise<void> {
  return sleepPromise(clampDelayMs(ms), undefined, { signal })
}
