/**
 * The interactive TUI: a prompt with contexts, history (↑/↓, persisted by the caller), tab
 * completion, scrollback of command output and the live stats view. All command logic is in
 * executeCommand; this component only handles keys and drawing. Talks to the daemon only via
 * the DaemonClient it is given.
 */
import { Box, Static, Text, useApp, useInput } from 'ink'
import { useCallback, useRef, useState } from 'react'
import { executeCommand } from './commands/execute.js'
import { INITIAL_STATE, type OutputBlock, type ShellState } from './commands/types.js'
import { completeLine } from './completion.js'
import type { DaemonClient } from './daemon-client.js'
import { Candidates } from './components/Candidates.js'
import { LiveStats } from './components/LiveStats.js'
import { LogEntry, type LogItem } from './components/LogEntry.js'
import { Prompt, promptLabel } from './components/Prompt.js'
import { useHistory } from './hooks/use-history.js'
import { useLineEditor } from './hooks/use-line-editor.js'
import { useRecordNames } from './hooks/use-record-names.js'

export interface AppProps {
  client: DaemonClient
  /** History entries loaded from disk, oldest first. */
  initialHistory?: readonly string[]
  /** Called with the whole history after each line (the caller persists it). */
  onHistoryChange?: (entries: string[]) => void
  /** Unix milliseconds; defaults to Date.now. */
  now?: () => number
  /** Poll interval of the live stats view, milliseconds (default 1000). */
  livePollMs?: number
  /** Blocks shown first (connection banner). */
  banner?: OutputBlock[]
}

export function App({ client, initialHistory, onHistoryChange, now = Date.now, livePollMs = 1000, banner }: AppProps) {
  const { exit } = useApp()
  const [shell, setShell] = useState<ShellState>(INITIAL_STATE)
  const shellRef = useRef<ShellState>(INITIAL_STATE)
  const nextId = useRef(1)
  const [log, setLog] = useState<LogItem[]>(banner && banner.length > 0 ? [{ id: 0, blocks: banner }] : [])
  const [busy, setBusy] = useState(false)
  const busyRef = useRef(false)
  const [live, setLive] = useState(false)
  const liveRef = useRef(false)
  const [candidates, setCandidates] = useState<string[]>([])
  const editor = useLineEditor()
  const history = useHistory(initialHistory ?? [], onHistoryChange)
  const records = useRecordNames(client)

  const setLiveMode = useCallback((on: boolean) => {
    liveRef.current = on
    setLive(on)
  }, [])

  const append = useCallback((item: Omit<LogItem, 'id'>) => {
    const id = nextId.current++
    // Static has drawn older items already and never draws them again: drop their blocks to bound memory.
    setLog((prev) => [...prev.map((p) => (p.blocks.length > 0 ? { id: p.id, blocks: [] } : p)), { ...item, id }])
  }, [])

  const runLine = useCallback(
    async (line: string): Promise<boolean> => {
      history.add(line)
      const prompt = promptLabel(shellRef.current.context)
      const result = await executeCommand(line, shellRef.current, client, { now, history: history.entries })
      shellRef.current = result.state
      setShell(result.state)
      append({ prompt, line, blocks: result.output })
      if (result.effect === 'exit') {
        exit()
        return false
      }
      if (result.effect === 'live-stats') setLiveMode(true)
      else if (result.effect === 'records-changed') records.refresh()
      return true
    },
    [append, client, exit, history, now, records, setLiveMode],
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
    [runLine],
  )

  useInput((input, key) => {
    if (liveRef.current) {
      setLiveMode(false)
      return
    }
    const value = editor.current().value
    if (key.ctrl && input === 'c') {
      if (value !== '') editor.setValue('')
      else exit()
      return
    }
    if (busyRef.current) return
    if (key.ctrl && input === 'd' && value === '') {
      exit()
      return
    }
    if (key.return) {
      editor.setValue('')
      void submit([value])
      return
    }
    if (!key.ctrl && !key.meta && /[\r\n]/.test(input)) {
      // Pasted text with line breaks: every complete line runs, the remainder stays on the prompt.
      const parts = input.split(/\r\n|\r|\n/)
      const last = parts.pop() as string
      const lines = parts.map((p, i) => (i === 0 ? editor.current().value + p : p))
      editor.setValue(last)
      void submit(lines)
      return
    }
    if (key.tab) {
      const r = completeLine(value, shellRef.current, records.names)
      editor.setValue(r.line)
      setCandidates(r.candidates.length > 1 ? r.candidates : [])
      return
    }
    if (key.upArrow) {
      const l = history.up(value)
      if (l !== undefined) editor.setValue(l)
      return
    }
    if (key.downArrow) {
      const l = history.down()
      if (l !== undefined) editor.setValue(l)
      return
    }
    if (editor.apply(input, key)) setCandidates([])
  })

  return (
    <Box flexDirection="column">
      <Static items={log}>{(item) => <LogEntry key={item.id} item={item} />}</Static>
      {live ? (
        <LiveStats client={client} intervalMs={livePollMs} now={now} />
      ) : busy ? (
        <Text dimColor>{promptLabel(shell.context)}…</Text>
      ) : (
        <Prompt context={shell.context} line={editor.line} busy={busy} />
      )}
      <Candidates items={candidates} />
    </Box>
  )
}
