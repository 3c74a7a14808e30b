/**
 * executeCommand: one input line → output blocks and the next shell state. The single core used
 * by the Ink app and by run-once. It never throws: failures become error blocks with ok=false.
 */
import { DaemonClientError, type DaemonClient } from '../daemon-client.js'
import { didYouMean } from '../../suggest.js'
import { parseLine, quoteArg } from '../line-parser.js'
import { pageOutput, splitPageFlags } from './paging.js'
import { jsonLists, presentBlock } from './present.js'
import { BUILTINS, CONTEXTS, ROOT_COMMANDS, findCommand, findContext } from './registry.js'
import { UsageError, type CommandEnv, type CommandSpec, type ContextSpec, type ExecuteResult, type OutputBlock, type ShellState } from './types.js'

const HELP_WORDS = new Set(['?', 'help', 'h'])
const HELP_FLAGS: ReadonlySet<string> = new Set(['--help', '-h'])

export interface ExecuteOptions {
  /** Unix milliseconds; defaults to Date.now. */
  now?: () => number
  history?: readonly string[]
}

function fullName(ctx: ContextSpec | null, cmd: CommandSpec): string {
  return ctx ? `${ctx.name} ${cmd.name}` : cmd.name
}

/** Usage, description, details and examples of one command. */
export function commandHelp(ctx: ContextSpec | null, cmd: CommandSpec): OutputBlock[] {
  const lines = [`usage: ${fullName(ctx, cmd)}${cmd.usage ? ` ${cmd.usage}` : ''}`, `  ${cmd.summary}`]
  for (const d of cmd.details ?? []) lines.push(`  ${d}`)
  if (cmd.aliases?.length) lines.push(`  aliases: ${cmd.aliases.join(', ')}`)
  const out: OutputBlock[] = [{ kind: 'text', text: lines.join('\n') }]
  if (cmd.examples?.length) out.push({ kind: 'text', text: `examples:\n${cmd.examples.map((e) => `  ${e}`).join('\n')}`, tone: 'muted' })
  return out
}

/** The command table of one context. */
export function contextHelp(ctx: ContextSpec): OutputBlock[] {
  return [
    { kind: 'text', text: `${ctx.name}: ${ctx.summary}` },
    { kind: 'table', columns: ['Command', 'Arguments', 'Description'], rows: ctx.commands.map((c) => [c.name, c.usage, c.summary]), wrap: true },
    { kind: 'text', text: `Type "<command> ?" for details, ".." to go back.`, tone: 'muted' },
  ]
}

/** Top-level help: contexts, root commands, built-ins. */
export function rootHelp(): OutputBlock[] {
  return [
    { kind: 'table', columns: ['Context', 'Description'], rows: CONTEXTS.map((c) => [c.name, c.summary]), wrap: true },
    { kind: 'table', columns: ['Command', 'Arguments', 'Description'], rows: ROOT_COMMANDS.map((c) => [c.name, c.usage, c.summary]), wrap: true },
    { kind: 'table', columns: ['Built-in', 'Arguments', 'Description'], rows: BUILTINS.map((b) => [b.names.join(' '), b.usage, b.summary]), wrap: true },
    {
      kind: 'text',
      text: 'Type a context name to enter it, or "<context> <command> [args]" from anywhere. Quote arguments with spaces.',
      tone: 'muted',
    },
  ]
}

type Target =
  | { kind: 'context'; ctx: ContextSpec }
  | { kind: 'command'; ctx: ContextSpec | null; cmd: CommandSpec; args: string[] }
  | { kind: 'unknown'; message: string }

/** Resolves args to a context or a command: explicit context first, then the current one, then root commands. */
function resolve(args: string[], state: ShellState): Target {
  const first = args[0]
  const named = findContext(first)
  if (named) {
    if (args.length === 1) return { kind: 'context', ctx: named }
    const cmd = findCommand(named.commands, args[1])
    if (!cmd) {
      const hint = didYouMean(args[1], named.commands.map((c) => c.name))
      return { kind: 'unknown', message: `unknown command "${args[1]}" in ${named.name}${hint || ` (try ${named.name} ?)`}` }
    }
    return { kind: 'command', ctx: named, cmd, args: args.slice(2) }
  }
  const current = state.context ? findContext(state.context) ?? null : null
  if (current) {
    const cmd = findCommand(current.commands, first)
    if (cmd) return { kind: 'command', ctx: current, cmd, args: args.slice(1) }
  }
  const root = findCommand(ROOT_COMMANDS, first)
  if (root) return { kind: 'command', ctx: null, cmd: root, args: args.slice(1) }
  const words = [...CONTEXTS.map((c) => c.name), ...ROOT_COMMANDS.map((c) => c.name), ...(current?.commands.map((c) => c.name) ?? []), ...BUILTINS.flatMap((b) => b.names)]
  const hint = didYouMean(first, words) || ' (type ? for help)'
  return { kind: 'unknown', message: current ? `unknown command "${first}" in ${current.name}${hint}` : `unknown command "${first}"${hint}` }
}

/**
 * The line as it would be typed at the top level (`add x 1.2.3.4` inside `record` becomes
 * `record add x 1.2.3.4`), so history replays from anywhere. Lines that name their context, root
 * commands and built-ins are kept as typed.
 */
export function qualifiedLine(line: string, state: ShellState): string {
  const trimmed = line.trim()
  const parsed = parseLine(trimmed)
  if (!parsed.ok || parsed.args.length === 0 || state.context === null) return trimmed
  const t = resolve(parsed.args, state)
  return t.kind === 'command' && t.ctx !== null && findContext(parsed.args[0]) === undefined ? `${t.ctx.name} ${trimmed}` : trimmed
}

function help(args: string[], state: ShellState): OutputBlock[] {
  const builtin = args.length > 0 ? BUILTINS.find((b) => b.names.includes(args[0].toLowerCase())) : undefined
  if (builtin) return [{ kind: 'text', text: `usage: ${args[0].toLowerCase()}${builtin.usage ? ` ${builtin.usage}` : ''}\n  ${builtin.summary}` }]
  if (args.length === 0) {
    const current = state.context ? findContext(state.context) : undefined
    return current ? contextHelp(current) : rootHelp()
  }
  const t = resolve(args, state)
  if (t.kind === 'context') return contextHelp(t.ctx)
  if (t.kind === 'command') return commandHelp(t.ctx, t.cmd)
  return [{ kind: 'error', message: t.message }]
}

/** Converts anything a command threw into an error block (and the body for --json). */
export function errorBlock(err: unknown, ctx: ContextSpec | null, cmd: CommandSpec | null): { block: OutputBlock; raw: unknown } {
  if (err instanceof UsageError) {
    const name = cmd ? fullName(ctx, cmd) : ''
    return {
      block: { kind: 'error', message: name ? `${name}: ${err.message}` : err.message, hint: cmd ? `usage: ${name} ${cmd.usage}`.trimEnd() : undefined },
      raw: { error: { code: 'ERR_BAD_REQUEST', message: err.message } },
    }
  }
  if (err instanceof DaemonClientError) {
    return {
      block: { kind: 'error', message: err.message, details: err.details.messages, hint: err.details.hint },
      raw: err.details.body ?? { error: { code: err.code, message: err.message } },
    }
  }
  const message = err instanceof Error ? err.message : String(err)
  return { block: { kind: 'error', message }, raw: { error: { code: 'ERR_INTERNAL', message } } }
}

/**
 * Runs one input line. `<ctx>` enters a context; `<ctx> <cmd> args` runs from anywhere (staying
 * where you are); a trailing `?`/`help`/`h` shows usage; built-ins handle navigation and exit.
 */
export async function executeCommand(line: string, state: ShellState, client: DaemonClient, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
  const parsed = parseLine(line)
  if (!parsed.ok) return { output: [{ kind: 'error', message: parsed.error }], state, ok: false, raw: { error: { code: 'ERR_BAD_REQUEST', message: parsed.error } } }
  const args = parsed.args
  if (args.length === 0) return { output: [], state, ok: true }
  const word = args[0].toLowerCase()
  const ok = (output: OutputBlock[], next: ShellState = state): ExecuteResult => ({ output, state: next, ok: true })

  // `--help`/`-h` anywhere asks for the help of what precedes it; never an argument (a filter, a name).
  if (args.some((a) => HELP_FLAGS.has(a))) return ok(help(args.filter((a) => !HELP_FLAGS.has(a)), state))

  switch (word) {
    case 'exit':
    case 'quit':
    case 'q':
      return { output: [], state, ok: true, effect: 'exit' }
    case 'clear':
    case 'cls':
      return { output: [], state, ok: true, effect: 'clear' }
    case 'help':
    case '?':
    case 'h':
    case 'ls':
      return ok(help(args.slice(1), state))
    case 'contexts':
      return ok([{ kind: 'table', columns: ['Context', 'Description'], rows: CONTEXTS.map((c) => [c.name, c.summary]) }])
    case '..':
    case 'back':
      return ok([], { context: null })
    case '/':
      return ok([], { context: null })
    case 'history': {
      const h = opts.history ?? []
      return ok([{ kind: 'text', text: h.length === 0 ? '(empty)' : h.map((l, i) => `${String(i + 1).padStart(4)}  ${l}`).join('\n') }])
    }
    case 'cd': {
      const dest = args[1]
      if (args.length > 2) return { output: [{ kind: 'error', message: 'cd: expected one context, .. or /' }], state, ok: false }
      if (dest === undefined || dest === '/' || dest === '..') return ok([], { context: null })
      const ctx = findContext(dest)
      if (!ctx) {
        const hint = didYouMean(dest, CONTEXTS.map((c) => c.name))
        return { output: [{ kind: 'error', message: `cd: unknown context "${dest}"${hint || ` (${CONTEXTS.map((c) => c.name).join(', ')})`}` }], state, ok: false }
      }
      return ok([], { context: ctx.name })
    }
  }

  if (args.length >= 2 && HELP_WORDS.has(args[args.length - 1].toLowerCase())) return ok(help(args.slice(0, -1), state))

  const target = resolve(args, state)
  if (target.kind === 'unknown') {
    return { output: [{ kind: 'error', message: target.message }], state, ok: false, raw: { error: { code: 'ERR_NOT_FOUND', message: target.message } } }
  }
  if (target.kind === 'context') return ok([], { context: target.ctx.name })

  const env: CommandEnv = { client, now: opts.now ?? Date.now, history: opts.history }
  try {
    // `--limit N` / `--page P` page the table of a listing; the command never sees them.
    const paging = target.cmd.pageable ? splitPageFlags(target.args) : { args: target.args }
    const outcome = await target.cmd.run(paging.args, env)
    const raw = outcome.raw === undefined ? undefined : jsonLists(outcome.raw)
    const output = paging.page ? pageOutput(outcome.output, paging.page, `${fullName(target.ctx, target.cmd)} ${paging.args.map(quoteArg).join(' ')}`.trimEnd()) : outcome.output
    return { output: output.map(presentBlock), state, ok: outcome.ok ?? true, raw, effect: outcome.effect }
  } catch (err) {
    const { block, raw } = errorBlock(err, target.ctx, target.cmd)
    return { output: [block], state, ok: false, raw }
  }
}
