/**
 * The one pino root logger: JSON, one line per event, secrets redacted; on a terminal the console
 * copy is pretty (log-pretty.ts). Services get `logger.child({ component })` from the daemon;
 * nothing else creates loggers.
 */
import { join } from 'node:path'
import pino, { type DestinationStream, type Logger, type LoggerOptions as PinoOptions, type StreamEntry } from 'pino'
import { isPretty, prettyStream, type LogFormat } from './log-pretty.js'

/** `log.log_severity` values; `none` means no log file (warnings and errors still reach stderr). */
export type LogSeverity = 'debug' | 'info' | 'warn' | 'error' | 'none'

export interface LoggerOptions {
  severity: LogSeverity
  /**
   * A stream, or a file path (parent directories created, appended to). Omitted: stderr.
   * With a file path, warnings and errors are also written to `stderr` so a foreground run
   * shows them; with `none` the file is not opened at all.
   */
  destination?: NodeJS.WritableStream | string
  /** Where warn/error go besides a file; default process.stderr (tests pass a stream). */
  stderr?: NodeJS.WritableStream
  /**
   * Console lines (a stream destination and the stderr copy): 'auto' (default) is pretty on a
   * terminal and JSON otherwise; 'json' and 'pretty' force one. Files are always JSON.
   */
  format?: LogFormat
  /** Colours in pretty lines (default: true). */
  color?: boolean
  /** Rotation of a file destination (`log.log_rotation*`); absent or mode 'none': one growing file. */
  rotation?: LogRotation
}

/** The original's `log.log_rotation`, `log.log_rotation_size_mb` and `log.log_rotation_time_days`. */
export interface LogRotation {
  mode: 'none' | 'size' | 'time'
  sizeMb: number
  timeDays: number
}

const MS_PER_DAY = 86_400_000

/**
 * pino-roll's options for `file` under `rotation`, or undefined for 'none'. pino-roll numbers every file
 * (`dnsserver.1.log`, `dnsserver.2.log`, …: the highest is the one being written) and keeps a
 * `current.log` symlink to it in the same directory; rotated files are kept (remove them with cron or
 * logrotate), as the original's keys say nothing about retention.
 */
export function rollOptions(file: string, rotation: LogRotation): Record<string, unknown> | undefined {
  const common = { file, mkdir: true, symlink: true }
  if (rotation.mode === 'size') return { ...common, size: `${rotation.sizeMb}m` }
  if (rotation.mode === 'time') return { ...common, frequency: rotation.timeDays * MS_PER_DAY }
  return undefined
}

/**
 * Drops a `component` field that repeats the logger's own binding (`log.child({ component: 'cluster' })
 * .warn({ component: 'cluster' }, …)` wrote the key twice); a different value is kept as `subcomponent`.
 */
function dedupeComponent(this: Logger, args: unknown[], method: (...a: unknown[]) => void): void {
  const first = args[0]
  if (first !== null && typeof first === 'object' && !(first instanceof Error)) args[0] = componentOnce(this, first as Record<string, unknown>)
  method.apply(this, args)
}

/** `fields` without a `component` that repeats the logger's own binding (a different one becomes `subcomponent`). */
function componentOnce(logger: Logger, fields: Record<string, unknown>): Record<string, unknown> {
  const bound = (logger.bindings() as { component?: unknown }).component
  if (bound === undefined || !Object.hasOwn(fields, 'component')) return fields
  const { component, ...rest } = fields
  return component === bound ? rest : { ...rest, subcomponent: component }
}

/**
 * Children keep one `component` too: `log.child({ component: 'cluster' })` handed to a service that
 * makes its own `child({ component: 'cluster' })` (or `'replica'`) wrote the key two or three times
 * in every JSON line. pino makes a child with Object.create(parent), so the override on the root is
 * inherited by every descendant.
 */
function oneComponent(root: Logger): Logger {
  const pinoChild = root.child
  root.child = function (this: Logger, bindings: Record<string, unknown>, options?: unknown) {
    return pinoChild.call(this, componentOnce(this, bindings), options as never)
  } as Logger['child']
  return root
}

/** Log file names of the original, inside `log.log_dir`. */
export const LOG_FILE_NAMES = Object.freeze({ dns: 'dnsserver.log', api: 'apiserver.log', tui: 'tuiserver.log' })

/** Absolute path of a log file inside `log.log_dir`. */
export function logFilePath(logDir: string, which: keyof typeof LOG_FILE_NAMES): string {
  return join(logDir, LOG_FILE_NAMES[which])
}

/** Field names whose values never reach a log line, at the top level and two levels down. */
export const REDACTED_FIELDS = [
  'api_auth_token',
  'api_viewer_token',
  'cluster_auth_token',
  'cluster_admin_token',
  'token',
  'admin_token',
  'authorization',
  'password',
  '["x-api-token"]',
] as const

/** The replacement text for redacted values. */
export const REDACTED = '[redacted]'

function redactPaths(): string[] {
  const paths: string[] = []
  for (const f of REDACTED_FIELDS) {
    const dot = f.startsWith('[') ? '' : '.'
    paths.push(f, `*${dot}${f}`, `*.*${dot}${f}`, `*.*.*${dot}${f}`)
  }
  return paths
}

/**
 * Creates the root logger. Levels map 1:1 to pino's; `none` keeps warn and error on stderr
 * only. Secrets (tokens, authorization headers) are replaced by "[redacted]" wherever they
 * appear up to three levels deep in a log object.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const format = opts.format ?? 'auto'
  const consoleStream = (s: NodeJS.WritableStream): DestinationStream => (isPretty(format, s) ? prettyStream(s, opts.color ?? true) : (s as DestinationStream))
  const stderr = consoleStream(opts.stderr ?? process.stderr)
  const base: PinoOptions = {
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: redactPaths(), censor: REDACTED },
    hooks: { logMethod: dedupeComponent as NonNullable<PinoOptions['hooks']>['logMethod'] },
  }
  if (opts.severity === 'none') return oneComponent(pino({ ...base, level: 'warn' }, stderr))
  if (opts.destination === undefined) return oneComponent(pino({ ...base, level: opts.severity }, stderr))
  if (typeof opts.destination !== 'string') {
    return oneComponent(pino({ ...base, level: opts.severity }, consoleStream(opts.destination)))
  }
  const roll = opts.rotation ? rollOptions(opts.destination, opts.rotation) : undefined
  // pino-roll runs in pino's transport worker thread, so rolling never blocks the event loop.
  const file = roll ? pino.transport({ target: 'pino-roll', options: roll }) : pino.destination({ dest: opts.destination, mkdir: true, sync: false, append: true })
  const streams: StreamEntry[] = [
    { level: opts.severity, stream: file },
    { level: 'warn', stream: stderr },
  ]
  return oneComponent(pino({ ...base, level: opts.severity }, pino.multistream(streams)))
}

export type { Logger }
