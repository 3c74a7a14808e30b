/**
 * The interactive TUI: a prompt with contexts, history (↑/↓ and Ctrl-R, persisted by the caller),
 * tab completion, scrollback of command output and the live stats view. All command logic is in
 * executeCommand; this component only handles keys and drawing. Talks to the daemon only via
 * the DaemonClient it is given.
 *
 * Ctrl-C as in a shell: it cancels a running command (its request is aborted), clears a typed
 * line, and on an empty line warns first; a second Ctrl-C (or Ctrl-D) quits.
 */
import { Box, Static, Text, useApp, useStdout } from 'ink'
import { useCallback, useRef, useState, type MutableRefObject } from 'react'
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
import { searchLabel, type SearchState } from './reverse-search.js'
import { useAppInput } from './use-app-input.js'
import { useCommandRunner } from './use-command-runner.js'

export { CLEAR_SCREEN, splitChunk } from './use-app-input.js'

/** Shown under the prompt after Ctrl-C on an empty line. */
export const QUIT_HINT = '(press Ctrl-C again or Ctrl-D to quit)'

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

/** A state value mirrored in a ref, so key handlers read the latest value before the next render. */
function useSyncedState<T>(initial: T): [T, MutableRefObject<T>, (v: T) => void] {
  const [value, setValue] = useState<T>(initial)
  const ref = useRef<T>(initial)
  const set = useCallback((v: T) => {
    ref.current = v
    setValue(v)
  }, [])
  return [value, ref, set]
}

export function App({ client, initialHistory, onHistoryChange, now = Date.now, livePollMs = 1000, banner }: AppProps) {
  const { exit } = useApp()
  const { write } = useStdout()
  const [shell, setShell] = useState<ShellState>(INITIAL_STATE)
  const shellRef = useRef<ShellState>(INITIAL_STATE)
  const nextId = useRef(1)
  const [log, setLog] = useState<LogItem[]>(banner && banner.length > 0 ? [{ id: 0, blocks: banner }] : [])
  const [live, liveRef, setLiveMode] = useSyncedState(false)
  const [candidates, setCandidates] = useState<string[]>([])
  const [quitArmed, quitArmedRef, armQuit] = useSyncedState(false)
  const [search, searchRef, setSearchState] = useSyncedState<SearchState | null>(null)
  const editor = useLineEditor()
  const history = useHistory(initialHistory ?? [], onHistoryChange)
  const records = useRecordNames(client)
  const peers = usePeerAddresses(client)

  const append = useCallback((item: Omit<LogItem, 'id'>) => {
    const id = nextId.current++
    // Static has drawn older items already and never draws them again: drop their blocks to bound memory.
    setLog((prev) => [...prev.map((p) => (p.blocks.length > 0 ? { id: p.id, blocks: [] } : p)), { ...item, id }])
  }, [])
  const refreshNames = useCallback(() => {
    records.refresh()
    peers.refresh()
  }, [peers, records])
  const runner = useCommandRunner({ client, now, history, shellRef, setShell, append, liveRef, setLiveMode, setCandidates, refreshNames, exit, write })
  const { busy, busyRef, queue, running, submit } = runner

  const complete = useCallback(() => {
    const r = completeLine(editor.current().value, shellRef.current, { recordNames: records.names, peers: peers.peers })
    editor.setValue(r.line)
    setCandidates(r.candidates.length > 1 ? r.candidates : [])
  }, [editor, peers.peers, records.names])

  useAppInput({
    liveRef,
    busyRef,
    searchRef,
    quitArmedRef,
    queue,
    running,
    editor,
    history,
    setLiveMode,
    armQuit,
    setSearchState,
    setCandidates,
    submit,
    complete,
    exit,
    write,
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
