/**
 * The App's key handling, kept apart from its drawing: live view, a running command, reverse
 * search, Ctrl-C/Ctrl-D/Ctrl-L/Ctrl-R, Enter, Tab, pasted chunks, history and line editing.
 */
import { useInput, type Key } from 'ink'
import type { MutableRefObject } from 'react'
import type { useHistory } from './hooks/use-history.js'
import type { useLineEditor } from './hooks/use-line-editor.js'
import { startSearch, stepSearch, type SearchState } from './reverse-search.js'

/** Clears the screen and the scrollback, cursor home (Ctrl-L, `clear`). */
export const CLEAR_SCREEN = '\u001b[2J\u001b[3J\u001b[H'

/** Splits an input chunk into text, Tab and line breaks, in order (a fast typist or a paste sends several keys at once). */
export function splitChunk(input: string): string[] {
  return input.split(/(\t|\r\n|\r|\n)/).filter((p) => p !== '')
}

/** Everything the key handler reads or changes in the App. */
export interface AppInputContext {
  liveRef: MutableRefObject<boolean>
  busyRef: MutableRefObject<boolean>
  searchRef: MutableRefObject<SearchState | null>
  quitArmedRef: MutableRefObject<boolean>
  queue: MutableRefObject<string[]>
  running: MutableRefObject<AbortController | null>
  editor: ReturnType<typeof useLineEditor>
  history: ReturnType<typeof useHistory>
  setLiveMode: (on: boolean) => void
  armQuit: (on: boolean) => void
  setSearchState: (s: SearchState | null) => void
  setCandidates: (c: string[]) => void
  submit: (lines: string[]) => Promise<void>
  complete: () => void
  exit: () => void
  write: (data: string) => void
}

/** Keys while a reverse search is open. */
function handleSearchKey(ctx: AppInputContext, s: SearchState, input: string, key: Key): void {
  const step = stepSearch(s, ctx.history.entries, input, key)
  if (step.kind === 'search') {
    ctx.setSearchState(step.state)
    return
  }
  ctx.setSearchState(null)
  ctx.editor.setValue(step.line)
  if (step.run) {
    ctx.editor.setValue('')
    void ctx.submit([step.line])
  }
}

/** Ctrl-C at the prompt: clears a typed line; on an empty line warns first, then quits. */
function handleCtrlC(ctx: AppInputContext, value: string): void {
  ctx.setCandidates([])
  if (value !== '') {
    ctx.editor.setValue('')
    ctx.armQuit(false)
  } else if (ctx.quitArmedRef.current) ctx.exit()
  else ctx.armQuit(true)
}

/**
 * Several keys in one chunk (a paste, or typing faster than a render): text, Tab and line
 * breaks are applied in order; complete lines run, the remainder stays on the prompt.
 */
function handlePastedChunk(ctx: AppInputContext, input: string, key: Key): void {
  const lines: string[] = []
  for (const part of splitChunk(input)) {
    if (part === '\t') ctx.complete()
    else if (/^[\r\n]/.test(part)) {
      lines.push(ctx.editor.current().value)
      ctx.editor.setValue('')
    } else ctx.editor.apply(part, { ...key, return: false, tab: false })
  }
  if (lines.length > 0) void ctx.submit(lines)
}

/** Keys at the prompt (no live view, nothing running, no search open). */
function handlePromptKey(ctx: AppInputContext, input: string, key: Key): void {
  const value = ctx.editor.current().value
  if (key.ctrl && input === 'c') {
    handleCtrlC(ctx, value)
    return
  }
  ctx.armQuit(false)
  if (key.ctrl && input === 'd' && value === '') {
    ctx.exit()
    return
  }
  if (key.ctrl && input === 'l') {
    ctx.write(CLEAR_SCREEN)
    return
  }
  if (key.ctrl && input === 'r') {
    ctx.setCandidates([])
    ctx.setSearchState(startSearch(value))
    return
  }
  if (key.return) {
    ctx.editor.setValue('')
    void ctx.submit([value])
    return
  }
  if (key.tab) {
    ctx.complete()
    return
  }
  if (!key.ctrl && !key.meta && /[\t\r\n]/.test(input)) {
    handlePastedChunk(ctx, input, key)
    return
  }
  handleEditKey(ctx, value, input, key)
}

/** History (↑/↓) and ordinary line editing. */
function handleEditKey(ctx: AppInputContext, value: string, input: string, key: Key): void {
  if (key.upArrow) {
    const l = ctx.history.up(value)
    if (l !== undefined) ctx.editor.setValue(l)
    return
  }
  if (key.downArrow) {
    const l = ctx.history.down()
    if (l !== undefined) ctx.editor.setValue(l)
    return
  }
  if (ctx.editor.apply(input, key)) ctx.setCandidates([])
}

/** Routes one key press (or input chunk) of the App. */
export function handleAppKey(ctx: AppInputContext, input: string, key: Key): void {
  if (ctx.liveRef.current) {
    ctx.setLiveMode(false)
    return
  }
  if (ctx.busyRef.current) {
    // Ctrl-C cancels the running command and drops the queued lines.
    if (key.ctrl && input === 'c') {
      ctx.queue.current = []
      ctx.running.current?.abort()
    }
    return
  }
  const s = ctx.searchRef.current
  if (s) {
    handleSearchKey(ctx, s, input, key)
    return
  }
  handlePromptKey(ctx, input, key)
}

/** Installs the App's key handler (ink's useInput). */
export function useAppInput(ctx: AppInputContext): void {
  useInput((input, key) => handleAppKey(ctx, input, key))
}
