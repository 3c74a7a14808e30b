/**
 * Runs the App's command lines one at a time: lines wait in a queue while one runs (a paste of
 * several lines arrives as one input chunk), and a running command can be cancelled (its
 * request is aborted).
 */
import { useCallback, useRef, useState, type MutableRefObject } from 'react'
import { executeCommand, qualifiedLine } from './commands/execute.js'
import type { ShellState } from './commands/types.js'
import type { LogItem } from './components/LogEntry.js'
import { promptLabel } from './components/Prompt.js'
import type { DaemonClient } from './daemon-client.js'
import type { useHistory } from './hooks/use-history.js'
import { CLEAR_SCREEN } from './use-app-input.js'

export interface CommandRunnerDeps {
  client: DaemonClient
  now: () => number
  history: ReturnType<typeof useHistory>
  shellRef: MutableRefObject<ShellState>
  setShell: (s: ShellState) => void
  append: (item: Omit<LogItem, 'id'>) => void
  liveRef: MutableRefObject<boolean>
  setLiveMode: (on: boolean) => void
  setCandidates: (c: string[]) => void
  /** Called after a command changed records, to refresh the completion data. */
  refreshNames: () => void
  exit: () => void
  write: (data: string) => void
}

export interface CommandRunner {
  busy: boolean
  busyRef: MutableRefObject<boolean>
  queue: MutableRefObject<string[]>
  running: MutableRefObject<AbortController | null>
  submit: (lines: string[]) => Promise<void>
}

export function useCommandRunner(deps: CommandRunnerDeps): CommandRunner {
  const { client, now, history, shellRef, setShell, append, liveRef, setLiveMode, setCandidates, refreshNames, exit, write } = deps
  const [busy, setBusy] = useState(false)
  const busyRef = useRef(false)
  const running = useRef<AbortController | null>(null)

  const runLine = useCallback(
    async (line: string): Promise<boolean> => {
      // Saved as typed at the top level, so a recalled line works from any context.
      history.add(qualifiedLine(line, shellRef.current))
      const prompt = promptLabel(shellRef.current.context)
      const controller = new AbortController()
      running.current = controller
      const signal = controller.signal
      const abortable: DaemonClient = { target: client.target, request: (req) => client.request({ ...req, signal }) }
      const cancelled = new Promise<'cancelled'>((resolve) => signal.addEventListener('abort', () => resolve('cancelled'), { once: true }))
      const result = await Promise.race([executeCommand(line, shellRef.current, abortable, { now, history: history.entries }), cancelled])
      running.current = null
      if (result === 'cancelled') {
        append({ prompt, line, blocks: [{ kind: 'text', text: '^C cancelled', tone: 'warning' }] })
        return false
      }
      shellRef.current = result.state
      setShell(result.state)
      append({ prompt, line, blocks: result.output })
      if (result.effect === 'exit') {
        exit()
        return false
      }
      if (result.effect === 'live-stats') setLiveMode(true)
      else if (result.effect === 'clear') write(CLEAR_SCREEN)
      else if (result.effect === 'records-changed') refreshNames()
      return true
    },
    [append, client, exit, history, now, refreshNames, setLiveMode, setShell, shellRef, write],
  )

  // Lines wait here while one runs: a paste of several lines arrives as one input chunk.
  const queue = useRef<string[]>([])
  const submit = useCallback(
    async (lines: string[]) => {
      setCandidates([])
      queue.current.push(...lines)
      if (busyRef.current) return
      busyRef.current = true
      setBusy(true)
      while (queue.current.length > 0 && !liveRef.current) {
        const next = queue.current.shift() as string
        if (!(await runLine(next))) {
          queue.current = []
          break
        }
      }
      busyRef.current = false
      setBusy(false)
    },
    [liveRef, runLine, setCandidates],
  )

  return { busy, busyRef, queue, running, submit }
}
