/**
 * The command registry: contexts, their commands, root commands and built-ins (spec §4.2).
 * Pure data plus lookups; executeCommand and completion both read it.
 */
import { CACHE_CONTEXT } from './cache.js'
import { CLUSTER_CONTEXT } from './cluster.js'
import { DNS_CONTEXT } from './dns.js'
import { RECORD_CONTEXT } from './record.js'
import { SERVER_CONTEXT } from './server.js'
import { STATS_COMMAND } from './stats.js'
import { TOOLS_CONTEXT } from './tools.js'
import type { CommandSpec, ContextName, ContextSpec } from './types.js'

export const CONTEXTS: readonly ContextSpec[] = [RECORD_CONTEXT, DNS_CONTEXT, CACHE_CONTEXT, SERVER_CONTEXT, CLUSTER_CONTEXT, TOOLS_CONTEXT]

/** Commands that run from anywhere without a context. */
export const ROOT_COMMANDS: readonly CommandSpec[] = [STATS_COMMAND]

/** Built-in words and what they do, for help and completion. */
export const BUILTINS: readonly { names: string[]; usage: string; summary: string }[] = [
  { names: ['help', '?', 'h', 'ls'], usage: '[context] [command]', summary: 'show help; append ? to any command for its usage' },
  { names: ['contexts'], usage: '', summary: 'list contexts' },
  { names: ['cd'], usage: '<context>|..|/', summary: 'enter a context, go back, or go to the top' },
  { names: ['..', 'back'], usage: '', summary: 'leave the current context' },
  { names: ['/'], usage: '', summary: 'go to the top level' },
  { names: ['history'], usage: '', summary: 'show the input history (Ctrl-R searches it)' },
  { names: ['clear', 'cls'], usage: '', summary: 'clear the screen (also Ctrl-L)' },
  { names: ['exit', 'quit', 'q'], usage: '', summary: 'leave the client' },
]

export const BUILTIN_WORDS: ReadonlySet<string> = new Set(BUILTINS.flatMap((b) => b.names))

export function findContext(name: string): ContextSpec | undefined {
  const n = name.toLowerCase()
  return CONTEXTS.find((c) => c.name === n)
}

export function isContextName(name: string): name is ContextName {
  return findContext(name) !== undefined
}

/** Finds a command by name or alias (case-insensitive). */
export function findCommand(commands: readonly CommandSpec[], name: string): CommandSpec | undefined {
  const n = name.toLowerCase()
  return commands.find((c) => c.name === n || (c.aliases ?? []).includes(n))
}
