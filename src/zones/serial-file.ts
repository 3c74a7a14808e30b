/**
 * zone_serials.json next to dnsplane.json: the last serial and content digest of every zone, so serials
 * never go backwards across restarts. Written atomically, coalesced (at most one write in flight).
 */
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { writeFileAtomic } from '../store/atomic-write.js'
import type { PersistedZone } from './zone-tracker.js'

export const SERIAL_FILE_NAME = 'zone_serials.json'

/** Path of zone_serials.json for a loaded dnsplane.json path. */
export function serialPathFor(configPath: string): string {
  return join(dirname(configPath), SERIAL_FILE_NAME)
}

/** Reads the file; a missing or unreadable file gives no zones (serials then start from the records). */
export async function readSerials(path: string): Promise<Map<string, PersistedZone>> {
  const out = new Map<string, PersistedZone>()
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'))
  } catch {
    return out
  }
  const zones = (parsed as { zones?: unknown } | null)?.zones
  if (!zones || typeof zones !== 'object') return out
  for (const [apex, v] of Object.entries(zones as Record<string, unknown>)) {
    const z = v as Partial<PersistedZone> | null
    if (z && Number.isInteger(z.serial) && (z.serial as number) >= 0 && (z.serial as number) <= 0xffffffff && typeof z.digest === 'string') {
      out.set(apex, { serial: z.serial as number, digest: z.digest })
    }
  }
  return out
}

/** Writes the latest state handed to save(); saves while a write is in flight are folded into one more write. */
export class SerialFileWriter {
  private pending: Record<string, PersistedZone> | undefined
  private running: Promise<void> | undefined

  constructor(
    private readonly path: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  save(zones: Record<string, PersistedZone>): void {
    this.pending = zones
    this.running ??= this.drain()
  }

  /** Resolves when everything handed to save() is on disk (or failed). */
  async flush(): Promise<void> {
    while (this.running) await this.running
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        const zones = this.pending
        this.pending = undefined
        try {
          await writeFileAtomic(this.path, JSON.stringify({ zones }, null, 1) + '\n')
        } catch (err) {
          this.onError(err)
        }
      }
    } finally {
      this.running = undefined
    }
  }
}
