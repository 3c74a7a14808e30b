/**
 * The interactive TUI: a prompt with contexts, history (↑/↓ and Ctrl-R, persisted by the caller),
 * tab completion, scrollback of command output and the live stats view. All command logic is in
 * executeCommand; this component only handles keys and drawing. Talks to the daemon only via
 * the DaemonClient it is given.
 *
 * Ctrl-C as in a shell: it cancels a running command (its request is aborted), clears a typed
 * line, and on an empty line warns first; a second Ctrl-C (or Ctrl-D) quits.
 */
import { Box, Static, Text, useApp, useInput, useStdout } from 'ink'
import { useCallback, useRef, useState } from 'react'
import { executeCommand, qualifiedLine } from './commands/execute.js'
import { INITIAL_STATE, type OutputBlock, type ShellState } from './commands/types.js'
import { completeLine } from './completion.js'
import type { DaemonClient } from './daemon-client.js'
import { Candidates } from './components/Candidates.js'
import { LiveStats } from './components/LiveStats.js'
import { LogEntry, type LogItem } from './components/LogEntry.js'
import { Prompt, promptLabel } from './components/Prompt.js'
import { useHistory } from './hooks/use-history.js'
import { useLineEditor } from './hooks/use-line-editor.js'
import { usePeerAddresses } from './hooks/use-peer-addresses.js'
import { useRecordNames } from './hooks/use-record-names.js'
import { searchLabel, startSearch, stepSearch, type SearchState } from './reverse-search.js'

/** Clears the screen and the scrollback, cursor home (Ctrl-L, `clear`). */
export const CLEAR_SCREEN = '\u001b[2J\u001b[3J\u001b[H'
/** Shown under the prompt after Ctrl-C on an empty line. */
export const QUIT_HINT = '(press Ctrl-C again or Ctrl-D to quit)'

/** Splits an input chunk into text, Tab and line breaks, in order (a fast typist or a paste sends several keys at once). */
export function splitChunk(input: string): string[] {
  return input.split(/(\t|\r\n|\r|\n)/).filter((p) => p !== '')
}

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
  const { write } = useStdout()
  const [shell, setShell] = useState<ShellState>(INITIAL_STATE)
  const shellRef = useRef<ShellState>(INITIAL_STATE)
  const nextId = useRef(1)
  const [log, setLog] = useState<LogItem[]>(banner && banner.length > 0 ? [{ id: 0, blocks: banner }] : [])
  const [busy, setBusy] = useState(false)
  const busyRef = useRef(false)
  const [live, setLive] = useState(false)
  const liveRef = useRef(false)
  const [candidates, setCandidates] = useState<string[]>([])
  const [quitArmed, setQuitArmed] = useState(false)
  const quitArmedRef = useRef(false)
  const [search, setSearch] = useState<SearchState | null>(null)
  const searchRef = useRef<SearchState | null>(null)
  const running = useRef<AbortController | null>(null)
  const editor = useLineEditor()
  const history = useHistory(initialHistory ?? [], onHistoryChange)
  const records = useRecordNames(client)
  const peers = usePeerAddresses(client)

  const setLiveMode = useCallback((on: boolean) => {
    liveRef.current = on
    setLive(on)
  }, [])
  const armQuit = useCallback((on: boolean) => {
    quitArmedRef.current = on
    setQuitArmed(on)
  }, [])
  const setSearchState = useCallback((s: SearchState | null) => {
    searchRef.current = s
    setSearch(s)
  }, [])

  const append = useCallback((item: Omit<LogItem, 'id'>) => {
    const id = nextId.current++
    // Static has drawn older items already and never draws them again: drop their blocks to bound memory.
    setLog((prev) => [...prev.map((p) => (p.blocks.length > 0 ? { id: p.id, blocks: [] } : p)), { ...item, id }])
  }, [])

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
      else if (result.effect === 'records-changed') {
        records.refresh()
        peers.refresh()
      }
      return true
    },
    [append, client, exit, history, now, peers, records, setLiveMode, write],
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

  const complete = useCallback(() => {
    const r = completeLine(editor.current().value, shellRef.current, { recordNames: records.names, peers: peers.peers })
    editor.setValue(r.line)
    setCandidates(r.candidates.length > 1 ? r.candidates : [])
  }, [editor, peers.peers, records.names])

  useInput((input, key) => {
    if (liveRef.current) {
      setLiveMode(false)
      return
    }
    const ctrlC = key.ctrl && input === 'c'
    if (busyRef.current) {
      if (ctrlC) {
        queue.current = []
        running.current?.abort()
      }
      return
    }
    const s = searchRef.current
    if (s) {
      const step = stepSearch(s, history.entries, input, key)
      if (step.kind === 'search') {
        setSearchState(step.state)
        return
      }
      setSearchState(null)
      editor.setValue(step.line)
      if (step.run) {
        editor.setValue('')
        void submit([step.line])
      }
      return
    }
    const value = editor.current().value
    if (ctrlC) {
      setCandidates([])
      if (value !== '') {
        editor.setValue('')
        armQuit(false)
      } else if (quitArmedRef.current) exit()
      else armQuit(true)
      return
    }
    armQuit(false)
    if (key.ctrl && input === 'd' && value === '') {
      exit()
      return
    }
    if (key.ctrl && input === 'l') {
      write(CLEAR_SCREEN)
      return
    }
    if (key.ctrl && input === 'r') {
      setCandidates([])
      setSearchState(startSearch(value))
      return
    }
    if (key.return) {
      editor.setValue('')
      void submit([value])
      return
    }
    if (key.tab) {
      complete()
      return
    }
    if (!key.ctrl && !key.meta && /[\t\r\n]/.test(input)) {
      // Several keys in one chunk (a paste, or typing faster than a render): text, Tab and line
      // breaks are applied in order; complete lines run, the remainder stays on the prompt.
      const lines: string[] = []
      for (const part of splitChunk(input)) {
        if (part === '\t') complete()
        else if (/^[\r\n]/.test(part)) {
          lines.push(editor.current().value)
          editor.setValue('')
        } else editor.apply(part, { ...key, return: false, tab: false })
      }
      if (lines.length > 0) void submit(lines)
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
        <Text dimColor>{promptLabel(shell.context)}… (Ctrl-C cancels)</Text>
      ) : search ? (
        <Text>{searchLabel(search, history.entries)}</Text>
      ) : (
        <Prompt context={shell.context} line={editor.line} busy={busy} />
      )}
      {quitArmed ? <Text dimColor>{QUIT_HINT}</Text> : null}
      <Candidates items={candidates} />
    </Box>
  )
}
