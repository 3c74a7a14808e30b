/**
 * `dnsplane records import FILE`, `dnsplane zone import FILE` and `dnsplane zone export ZONE`,
 * through the daemon's API (POST /api/v1/records/bulk, GET /api/v1/zones/:zone/export) like the
 * other client commands. Files are read and parsed here, so a broken file is reported with its
 * file:line and nothing is sent. On a terminal, progress goes to stderr; `--json` prints the
 * daemon's answer.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { DaemonClientError, type DaemonClient } from '../../tui/daemon-client.js'
import { parseZoneFile } from '../../zonefile/file-reader.js'
import { formatZoneError, type ZoneRecord } from '../../zonefile/parse.js'
import { parseNdjson } from '../../store/bulk-plan.js'
import { parseZone } from '../../zonefile/parse.js'
import type { SigningKey } from '../../dnssec/key-files.js'
import { INCEPTION_SKEW_S, SIGNATURE_VALIDITY_S } from '../../dnssec/online-signer.js'
import { signedZoneText } from '../../dnssec/signed-export.js'

/** Bulk requests may take long on a large store: connect + upload + one journaled write. */
export const BULK_TIMEOUT_MS = 10 * 60_000

export interface ImportIo {
  stdout: { write(s: string): unknown }
  stderr: { write(s: string): unknown; isTTY?: boolean }
}

export interface ImportOptions {
  json?: boolean
  dryRun?: boolean
  /** Replace the records of this zone (zone import --replace: the origin). */
  replaceZone?: string
  /** Replace every record (records import --replace-all). */
  replaceAll?: boolean
  /** The deletion count confirmed for the mass-delete guard. */
  confirmDelete?: string
}

interface BulkAnswer {
  dry_run: boolean
  added: number
  updated: number
  unchanged: number
  deleted: number
  total_after: number
  deleted_sample?: string[]
  confirm_delete_required?: boolean
}

const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`

/** Our JSON format: a JSON array of records, dnsrecords.json (`{"records":[…]}`), or NDJSON. */
export function recordsFromJsonText(text: string): unknown[] {
  const trimmed = text.trimStart()
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      const v = JSON.parse(text) as unknown
      if (Array.isArray(v)) return v
      if (v !== null && typeof v === 'object' && 'records' in v) return ((v as { records: unknown }).records ?? []) as unknown[]
      throw new Error('expected a JSON array of records or {"records":[…]}')
    } catch (err) {
      // One object per line is NDJSON, not a broken JSON document.
      if (!(err instanceof SyntaxError) || !trimmed.startsWith('{')) throw err
    }
  }
  return parseNdjson(text)
}

/** Sends `items` to the bulk endpoint (a dry run first when records may be deleted); resolves to the exit code. */
async function sendBulk(client: DaemonClient, items: readonly unknown[], io: ImportIo, opts: ImportOptions, where: (index: number) => string): Promise<number> {
  const tty = io.stderr.isTTY === true && !opts.json
  const data = Buffer.from(items.map((r) => JSON.stringify(r)).join('\n') + '\n')
  const query: Record<string, string | undefined> = {
    mode: opts.replaceZone !== undefined || opts.replaceAll ? 'replace' : 'add',
    zone: opts.replaceZone,
    all: opts.replaceAll ? '1' : undefined,
    confirm_delete: opts.confirmDelete,
  }
  const send = async (dryRun: boolean): Promise<BulkAnswer> => {
    const onUpload = tty ? (sent: number, total: number) => io.stderr.write(`\ruploading ${items.length} records: ${mib(sent)} of ${mib(total)} (${Math.round((sent * 100) / total)} %)`) : undefined
    const answer = (await client.request({
      method: 'POST',
      path: '/api/v1/records/bulk',
      query: { ...query, dry_run: dryRun ? '1' : undefined },
      raw: { data, contentType: 'application/x-ndjson' },
      onUpload,
      timeoutMs: BULK_TIMEOUT_MS,
    })) as BulkAnswer
    if (tty) io.stderr.write('\n')
    return answer
  }
  try {
    if (query.mode === 'replace' && !opts.dryRun) {
      const plan = await send(true)
      io.stderr.write(`replace: will add ${plan.added}, update ${plan.updated} and delete ${plan.deleted} records\n`)
      for (const s of plan.deleted_sample ?? []) io.stderr.write(`  delete ${s}\n`)
      if (plan.confirm_delete_required && opts.confirmDelete === undefined) {
        io.stderr.write(`dnsplane: this deletes more records than the mass-delete guard allows; nothing was written. Repeat with --confirm-delete ${plan.deleted}\n`)
        return 1
      }
    }
    const done = await send(opts.dryRun === true)
    if (opts.json) io.stdout.write(`${JSON.stringify(done, null, 2)}\n`)
    else {
      const what = done.dry_run ? 'dry run, nothing written: would add' : 'added'
      io.stdout.write(`${what} ${done.added}, updated ${done.updated}, unchanged ${done.unchanged}, deleted ${done.deleted}; ${done.total_after} records\n`)
    }
    return 0
  } catch (err) {
    return reportError(err, io, opts, where)
  }
}

/** Prints a failed request; the daemon's per-record problems are named by file:line (zone) or record index. */
function reportError(err: unknown, io: ImportIo, opts: ImportOptions, where: (index: number) => string): number {
  if (!(err instanceof DaemonClientError)) throw err
  const body = err.details.body as { error?: { details?: Array<{ index: number; reason: string }> } } | undefined
  if (opts.json && body !== undefined) io.stdout.write(`${JSON.stringify(body, null, 2)}\n`)
  io.stderr.write(`dnsplane: ${err.message}\n`)
  for (const d of body?.error?.details ?? []) io.stderr.write(`  ${where(d.index)}: ${d.reason}\n`)
  if (err.details.hint) io.stderr.write(`  ${err.details.hint}\n`)
  return 1
}

/** `dnsplane records import FILE`: our JSON format (array, dnsrecords.json or NDJSON). */
export async function importRecords(client: DaemonClient, file: string, io: ImportIo, opts: ImportOptions = {}): Promise<number> {
  let items: unknown[]
  try {
    items = recordsFromJsonText(await readFile(file, 'utf8'))
  } catch (err) {
    io.stderr.write(`dnsplane: ${file}: ${(err as Error).message}; nothing was written\n`)
    return 1
  }
  if (io.stderr.isTTY && !opts.json) io.stderr.write(`read ${items.length} records from ${file}\n`)
  return sendBulk(client, items, io, opts, (i) => `${file}: record ${i}`)
}

/** `dnsplane zone import FILE [--origin] [--replace]`: an RFC 1035 master file. */
export async function importZone(client: DaemonClient, file: string, io: ImportIo, opts: ImportOptions & { origin?: string; replace?: boolean; defaultTtl?: number } = {}): Promise<number> {
  const parsed = await parseZoneFile(file, { origin: opts.origin, defaultTtl: opts.defaultTtl })
  if (!parsed.ok) {
    for (const e of parsed.errors) io.stderr.write(`${formatZoneError(e)}\n`)
    io.stderr.write(`dnsplane: ${file} has ${parsed.errors.length} error${parsed.errors.length === 1 ? '' : 's'}; nothing was written\n`)
    return 1
  }
  const records: ZoneRecord[] = parsed.records
  const zone = opts.origin ?? records.find((r) => r.type === 'SOA')?.name
  if (opts.replace && zone === undefined) {
    io.stderr.write('dnsplane: --replace needs the zone: pass --origin or put its SOA record in the file\n')
    return 1
  }
  if (io.stderr.isTTY && !opts.json) io.stderr.write(`parsed ${records.length} records from ${parsed.files} file${parsed.files === 1 ? '' : 's'}\n`)
  const items = records.map((r) => ({ name: r.name, type: r.type, value: r.value, ttl: r.ttl }))
  return sendBulk(client, items, io, { ...opts, replaceZone: opts.replace ? zone : undefined }, (i) => (records[i] ? `${records[i].file}:${records[i].line}` : `record ${i}`))
}

/** `dnsplane zone export ZONE [--output FILE] [--signed]`; `sign` gives the signing keys (docs/dnssec.md). */
export async function exportZone(client: DaemonClient, zone: string, io: ImportIo, opts: { output?: string; json?: boolean; sign?: () => Promise<SigningKey[]>; now?: number } = {}): Promise<number> {
  let answer: { zone: string; records: number; text: string }
  try {
    answer = (await client.request({ method: 'GET', path: `/api/v1/zones/${encodeURIComponent(zone)}/export`, timeoutMs: BULK_TIMEOUT_MS })) as typeof answer
    if (opts.sign) answer = { ...answer, text: await signExport(answer.text, zone, await opts.sign(), opts.now ?? Date.now()) }
  } catch (err) {
    return reportError(err, io, { json: opts.json }, (i) => `record ${i}`)
  }
  if (opts.output !== undefined) {
    await writeFile(opts.output, answer.text)
    if (opts.json) io.stdout.write(`${JSON.stringify({ zone: answer.zone, records: answer.records, output: opts.output }, null, 2)}\n`)
    else io.stderr.write(`wrote ${answer.records} records of ${answer.zone} to ${opts.output}\n`)
  } else if (opts.json) io.stdout.write(`${JSON.stringify(answer, null, 2)}\n`)
  else io.stdout.write(answer.text)
  return 0
}

/** The exported zone signed whole (full NSEC chain, generic RDATA), with the online signer's validity window. */
async function signExport(text: string, zone: string, keys: SigningKey[], nowMs: number): Promise<string> {
  const parsed = await parseZone(text, { file: `export of ${zone}`, origin: '.' })
  if (!parsed.ok) throw new Error(parsed.errors.map(formatZoneError).join('; '))
  const now = Math.floor(nowMs / 1000)
  const signed = signedZoneText(parsed.records, zone, keys, { inception: now - INCEPTION_SKEW_S, expiration: now + SIGNATURE_VALIDITY_S })
  if (signed === undefined) throw new Error(`zone ${zone} has no SOA record: nothing to sign`)
  return signed
}
