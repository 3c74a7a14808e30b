/**
 * Types shared by the command registry, executeCommand, the Ink app and run-once.
 * Pure: no I/O here; commands reach the daemon only through the DaemonClient they are given.
 */
import type { DaemonClient } from '../daemon-client.js'

/** One piece of command output; the Ink app and the plain-text renderer both draw these. */
export type OutputBlock =
  | { kind: 'text'; text: string; tone?: 'normal' | 'success' | 'warning' | 'muted' }
  | { kind: 'table'; columns: string[]; rows: string[][]; empty?: string; /** wrap the last column (help) */ wrap?: boolean }
  | { kind: 'json'; value: unknown }
  | { kind: 'error'; message: string; hint?: string; details?: string[] }

export const CONTEXT_NAMES = ['record', 'dns', 'cache', 'server', 'cluster', 'tools'] as const
export type ContextName = (typeof CONTEXT_NAMES)[number]

/** Interactive shell state carried from one line to the next. */
export interface ShellState {
  context: ContextName | null
}

export const INITIAL_STATE: ShellState = { context: null }

/** What a command may use. `now` is Unix milliseconds (injected so output is testable). */
export interface CommandEnv {
  client: DaemonClient
  now: () => number
  /** Previous input lines, oldest first (for the `history` built-in). */
  history?: readonly string[]
}

/** Side effects the interactive app performs after a command. */
export type CommandEffect = 'exit' | 'live-stats' | 'records-changed' | 'clear'

export interface CommandOutcome {
  output: OutputBlock[]
  /** The daemon's JSON answer, printed by `--json`. */
  raw?: unknown
  /** False makes run-once exit non-zero even without an error block (e.g. a partial cluster pull). */
  ok?: boolean
  effect?: CommandEffect
}

/** Which dynamic values tab completion offers for a command's arguments. */
export type ArgCompletion = 'record-names' | 'record-types' | 'settings' | 'roles' | 'peers' | 'none'

export interface CommandSpec {
  name: string
  /** Other accepted names (hidden from help, offered by completion only when `name` is not). */
  aliases?: string[]
  /** Argument synopsis after the command name, e.g. `<name> [type] <value> [ttl]`. */
  usage: string
  summary: string
  /** Extra usage lines (sub-forms, keys) shown by `<cmd> ?`. */
  details?: string[]
  examples?: string[]
  /** Completion of the first argument by word list (e.g. `peer add|remove|set-role`). */
  subcommands?: string[]
  /** Completion of further arguments. */
  argCompletion?: ArgCompletion
  /** Accepts `--limit N` and `--page P`, which page the first table of its output (header kept). */
  pageable?: boolean
  run(args: string[], env: CommandEnv): Promise<CommandOutcome>
}

export interface ContextSpec {
  name: ContextName
  summary: string
  commands: CommandSpec[]
}

/** Thrown by a command for bad arguments; executeCommand shows it with the command's usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** Result of executeCommand: the blocks to show, the next state, and whether it succeeded. */
export interface ExecuteResult {
  output: OutputBlock[]
  state: ShellState
  ok: boolean
  raw?: unknown
  effect?: CommandEffect
}
