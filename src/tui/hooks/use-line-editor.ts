/** Line editing for the prompt: a pure reducer over (value, cursor) and a small hook around it. */
import { useCallback, useRef, useState } from 'react'
import type { Key } from 'ink'
import { MAX_LINE_CHARS } from '../line-parser.js'

export interface LineState {
  value: string
  /** Cursor position, 0..value.length. */
  cursor: number
}

export const EMPTY_LINE: LineState = { value: '', cursor: 0 }

/**
 * Applies one key press. Handles typing and paste, backspace (Ink reports the DEL byte as
 * `delete`, so both erase backwards), ←/→, Home/End, Ctrl-A/E/U/K/W and Ctrl-D (forward delete).
 * Returns undefined for keys that are not editing keys (Enter, Tab, ↑/↓, Esc).
 */
export function editLine(s: LineState, input: string, key: Key): LineState | undefined {
  const { value, cursor } = s
  if (key.return || key.tab || key.upArrow || key.downArrow || key.escape) return undefined
  if (key.backspace || key.delete) {
    if (cursor === 0) return s
    return { value: value.slice(0, cursor - 1) + value.slice(cursor), cursor: cursor - 1 }
  }
  if (key.leftArrow) return { value, cursor: Math.max(0, cursor - 1) }
  if (key.rightArrow) return { value, cursor: Math.min(value.length, cursor + 1) }
  if (key.home) return { value, cursor: 0 }
  if (key.end) return { value, cursor: value.length }
  if (key.ctrl) {
    switch (input) {
      case 'a':
        return { value, cursor: 0 }
      case 'e':
        return { value, cursor: value.length }
      case 'u':
        return { value: value.slice(cursor), cursor: 0 }
      case 'k':
        return { value: value.slice(0, cursor), cursor }
      case 'w': {
        const before = value.slice(0, cursor).replace(/\S+\s*$/, '')
        return { value: before + value.slice(cursor), cursor: before.length }
      }
      case 'd':
        return { value: value.slice(0, cursor) + value.slice(cursor + 1), cursor }
      default:
        return undefined
    }
  }
  if (key.meta) return undefined
  // Pasted newlines and other control characters are not part of a command line.
  // eslint-disable-next-line no-control-regex
  const text = input.replace(/[\u0000-\u001f\u007f]/g, ' ')
  if (text === '') return undefined
  const room = MAX_LINE_CHARS - value.length
  if (room <= 0) return s
  const ins = text.slice(0, room)
  return { value: value.slice(0, cursor) + ins + value.slice(cursor), cursor: cursor + ins.length }
}

/** Holds the line being typed; a ref keeps key presses that arrive in one tick in order. */
export function useLineEditor(): {
  line: LineState
  current: () => LineState
  setValue: (value: string) => void
  apply: (input: string, key: Key) => boolean
} {
  const ref = useRef<LineState>(EMPTY_LINE)
  const [line, setLine] = useState<LineState>(EMPTY_LINE)
  const set = useCallback((next: LineState) => {
    ref.current = next
    setLine(next)
  }, [])
  const setValue = useCallback((value: string) => set({ value, cursor: value.length }), [set])
  const apply = useCallback(
    (input: string, key: Key): boolean => {
      const next = editLine(ref.current, input, key)
      if (next === undefined) return false
      set(next)
      return true
    },
    [set],
  )
  const current = useCallback(() => ref.current, [])
  return { line, current, setValue, apply }
}
