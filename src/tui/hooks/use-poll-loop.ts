/**
 * Runs `tick` now and every `intervalMs` until unmount, never two at once (a slow daemon is not
 * asked again while it has not answered). `tick` gets `isStopped` to drop answers that arrive late.
 */
import { useEffect, type DependencyList } from 'react'

export function usePollLoop(intervalMs: number, tick: (isStopped: () => boolean) => Promise<void>, deps: DependencyList): void {
  useEffect(() => {
    let stopped = false
    let inFlight = false
    const isStopped = (): boolean => stopped
    const run = async (): Promise<void> => {
      if (inFlight) return
      inFlight = true
      try {
        await tick(isStopped)
      } finally {
        inFlight = false
      }
    }
    void run()
    const timer = setInterval(() => void run(), intervalMs)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [intervalMs, ...deps])
}
