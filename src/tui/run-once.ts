/**
 * Non-interactive mode: `dnsplane client [target] -c "<line>"` and piped input. Output blocks go
 * to stdout, errors to stderr; `--json` prints the daemon's raw JSON answer instead of tables.
 */
import type { DaemonClient } from './daemon-client.js'
import { executeCommand } from './commands/execute.js'
import { INITIAL_STATE, type ExecuteResult, type ShellState } from './commands/types.js'
import { formatJson, renderBlocks } from './format.js'

export interface TextSink {
  write(chunk: string): unknown
}

export interface RunOnceOptions {
  /** Print the raw JSON answer (errors as JSON on stdout, plus the message on stderr). */
  json?: boolean
  /** ANSI colours on stderr/stdout (only for terminals). */
  color?: boolean
  now?: () => number
}

/** Exit status when a command failed. */
export const EXIT_FAILURE = 1

function emit(result: ExecuteResult, io: { stdout: TextSink; stderr: TextSink }, opts: RunOnceOptions): void {
  const errors = result.output.filter((b) => b.kind === 'error')
  const rest = result.output.filter((b) => b.kind !== 'error')
  if (opts.json && result.raw !== undefined) io.stdout.write(`${formatJson(result.raw)}\n`)
  else io.stdout.write(renderBlocks(rest, { color: opts.color }))
  io.stderr.write(renderBlocks(errors, { color: opts.color }))
}

/** Runs one command line; resolves to the process exit code (0 ok, 1 failure). */
export async function runOnce(line: string, client: DaemonClient, io: { stdout: TextSink; stderr: TextSink }, opts: RunOnceOptions = {}): Promise<number> {
  const result = await executeCommand(line, INITIAL_STATE, client, { now: opts.now })
  emit(result, io, opts)
  return result.ok ? 0 : EXIT_FAILURE
}

/**
 * Runs lines in order as a script (context changes carry over; `exit` stops). Every line runs;
 * the exit code is 1 when any failed.
 */
export async function runLines(lines: Iterable<string>, client: DaemonClient, io: { stdout: TextSink; stderr: TextSink }, opts: RunOnceOptions = {}): Promise<number> {
  let state: ShellState = INITIAL_STATE
  let code = 0
  for (const line of lines) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue
    const result = await executeCommand(line, state, client, { now: opts.now })
    emit(result, io, opts)
    if (!result.ok) code = EXIT_FAILURE
    state = result.state
    if (result.effect === 'exit') break
  }
  return code
}
