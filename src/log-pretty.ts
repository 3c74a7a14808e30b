/**
 * Human-readable log lines for a terminal: `23:05:01.123 INFO  cluster  snapshot applied peer=… n=3`,
 * the level coloured, an error's stack indented below. pino-pretty would do this; it is not a
 * dependency, so this small formatter reads pino's JSON lines (the same ones a file receives).
 */
import type { DestinationStream } from 'pino'

export type LogFormat = 'auto' | 'pretty' | 'json'

const LEVEL_COLOR: Record<string, string> = { trace: '90', debug: '90', info: '32', warn: '33', error: '31', fatal: '35' }
const ESC = '\u001b['

/** Keys shown in the fixed part of a pretty line, not as key=value. */
const FIXED_KEYS: ReadonlySet<string> = new Set(['level', 'time', 'msg', 'component', 'err'])

function paint(color: boolean, code: string, text: string): string {
  return color ? `${ESC}${code}m${text}${ESC}0m` : text
}

function valueText(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)
  return JSON.stringify(v) ?? String(v)
}

/** `HH:MM:SS.mmm` of an ISO time (pino's isoTime), or the value as given. */
function clock(time: unknown): string {
  const m = typeof time === 'string' ? /T(\d\d:\d\d:\d\d(?:\.\d+)?)/.exec(time) : null
  return m ? m[1] : typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : ''
}

/** One pino JSON line as a pretty line (with a trailing newline); a line that is not JSON passes through. */
export function prettyLine(line: string, color: boolean): string {
  let o: Record<string, unknown>
  try {
    o = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`
  }
  const level = typeof o.level === 'string' ? o.level : String(o.level ?? '')
  const head = [paint(color, '2', clock(o.time)), paint(color, LEVEL_COLOR[level] ?? '0', level.toUpperCase().padEnd(5))]
  if (o.component !== undefined) head.push(paint(color, '36', String(o.component)))
  if (o.msg !== undefined) head.push(String(o.msg))
  const fields = Object.entries(o)
    .filter(([k]) => !FIXED_KEYS.has(k))
    .map(([k, v]) => `${paint(color, '2', `${k}=`)}${valueText(v)}`)
  let out = [...head, ...fields].join(' ')
  const err = o.err as { message?: unknown; stack?: unknown } | undefined
  if (err && typeof err === 'object') {
    const stack = typeof err.stack === 'string' ? err.stack : String(err.message ?? '')
    out += `\n${stack
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')}`
  }
  return `${out}\n`
}

/** A pino destination that writes pretty lines to `out`. */
export function prettyStream(out: NodeJS.WritableStream, color: boolean): DestinationStream {
  return {
    write(chunk: string): void {
      for (const line of chunk.split('\n')) if (line !== '') out.write(prettyLine(line, color))
    },
  }
}

/** True when `format` asks for pretty lines on `stream` ('auto': only on a terminal). */
export function isPretty(format: LogFormat, stream: NodeJS.WritableStream): boolean {
  return format === 'pretty' || (format === 'auto' && (stream as { isTTY?: boolean }).isTTY === true)
}

/** `DNSPLANE_LOG_FORMAT` as a LogFormat (unset or unknown: 'auto'). */
export function logFormatFrom(env: Record<string, string | undefined>): LogFormat {
  const v = env.DNSPLANE_LOG_FORMAT?.trim().toLowerCase()
  return v === 'json' || v === 'pretty' ? v : 'auto'
}
