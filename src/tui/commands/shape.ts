/** Defensive readers for daemon JSON (pure): the TUI never trusts a response's shape. */
import type { OutputBlock } from './types.js'

export function asObject(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : []
}

export function asString(v: unknown): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return ''
}

export function asNumber(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

/** The `messages` array of an original-style answer, as strings. */
export function messagesOf(raw: unknown): string[] {
  return asArray(asObject(raw).messages).filter((m): m is string => typeof m === 'string')
}

/** A status line (from the answer's `status`, else `fallback`) followed by its messages, as warnings. */
export function statusBlocks(raw: unknown, fallback: string): OutputBlock[] {
  const status = asString(asObject(raw).status)
  const out: OutputBlock[] = [{ kind: 'text', text: status !== '' ? status : fallback, tone: 'success' }]
  for (const m of messagesOf(raw)) out.push({ kind: 'text', text: m, tone: 'warning' })
  return out
}

/** Encodes one path segment (an address may contain ':' or '/'). */
export function segment(value: string): string {
  return encodeURIComponent(value)
}
