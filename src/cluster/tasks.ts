/**
 * The node's background work: periodic timers and tracked promises, all stopped and awaited at
 * stop (STYLE.md "symmetric lifecycle"). A failed task is logged once here, never rethrown.
 */
import type { Logger } from 'pino'
import { setClampedInterval } from '../timers.js'

export type TimerHandle = ReturnType<typeof setInterval>

export class Tasks {
  private readonly timers = new Set<TimerHandle>()
  private readonly inflight = new Set<Promise<unknown>>()

  constructor(private readonly log: Logger) {}

  /** Runs `fn` every `ms` (clamped), tracking the promise it returns; returns the handle for cancel(). */
  every(ms: number, fn: () => Promise<unknown> | void): TimerHandle {
    const t = setClampedInterval(() => {
      const p = fn()
      if (p) this.track(p)
    }, ms)
    this.timers.add(t)
    return t
  }

  cancel(handle: TimerHandle | undefined): void {
    if (!handle) return
    clearInterval(handle)
    this.timers.delete(handle)
  }

  /** Registers a task the node waits for at stop; its failure is logged. Returns `p` unchanged. */
  track<T>(p: Promise<T>): Promise<T> {
    const guarded = p.catch((err) => {
      this.log.error({ err }, 'cluster background task failed')
    }) as Promise<unknown>
    this.inflight.add(guarded)
    void guarded.finally(() => this.inflight.delete(guarded))
    return p
  }

  /** Clears every timer (no new work starts from them). */
  stopTimers(): void {
    for (const t of this.timers) clearInterval(t)
    this.timers.clear()
  }

  /** Waits for every tracked task. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inflight])
  }
}

/** Runs `fn` over `items` with at most `limit` at once; results in input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i])
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  return out
}
