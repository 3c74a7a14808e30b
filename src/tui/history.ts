/**
 * Input history: pure list operations plus the persisted file (~/.dnsplane_history, or
 * $XDG_STATE_HOME/dnsplane/history when XDG_STATE_HOME is set). The file is mode 0600, bounded
 * in lines and bytes, and never receives lines that carry a secret.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'

export const MAX_HISTORY_ENTRIES = 1000
/** Longest line kept in history. */
export const MAX_HISTORY_LINE_CHARS = 4096
/** Largest history file read; a bigger file is read only up to this size. */
export const MAX_HISTORY_FILE_BYTES = 1024 * 1024

/** Where history is stored for this environment. */
export function historyFilePath(env: Record<string, string | undefined>, home: string): string {
  const state = env.XDG_STATE_HOME?.trim()
  if (state) return path.join(state, 'dnsplane', 'history')
  return path.join(home, '.dnsplane_history')
}

/** Appends `line` unless empty or equal to the last entry; keeps the newest `max`. */
export function appendHistory(entries: readonly string[], line: string, max = MAX_HISTORY_ENTRIES): string[] {
  const l = line.trim()
  if (l === '' || l.length > MAX_HISTORY_LINE_CHARS || l.includes('\n')) return [...entries]
  if (entries.length > 0 && entries[entries.length - 1] === l) return [...entries]
  const next = [...entries, l]
  return next.length > max ? next.slice(next.length - max) : next
}

/** False for lines that would write a secret to disk (`server set <…token…> value`). */
export function shouldPersist(line: string): boolean {
  return !/\bset\s+\S*(token|secret|password)/i.test(line)
}

/** Reads the history file; a missing or unreadable file gives an empty history. */
export async function loadHistory(file: string, max = MAX_HISTORY_ENTRIES): Promise<string[]> {
  let text: string
  try {
    const buf = await readFile(file)
    text = buf.subarray(Math.max(0, buf.length - MAX_HISTORY_FILE_BYTES)).toString('utf8')
  } catch {
    return [] // no history yet (or not readable): start empty
  }
  let out: string[] = []
  for (const line of text.split('\n')) out = appendHistory(out, line, max)
  return out
}

/** Writes history atomically (temp file + rename), creating the directory with mode 0700. */
export async function saveHistory(file: string, entries: readonly string[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.tmp`
  const kept = entries.filter(shouldPersist).slice(-MAX_HISTORY_ENTRIES)
  await writeFile(tmp, kept.length === 0 ? '' : `${kept.join('\n')}\n`, { mode: 0o600 })
  await rename(tmp, file)
}
