/**
 * The upstream servers list backed by dnsservers.json: serialised writes, atomic persistence,
 * an immutable list swapped in after each successful write, change listeners.
 */
import { mkdir, open } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { Logger } from 'pino'
import { DnsplaneError, isDnsplaneError } from '../errors.js'
import { writeFileAtomic } from './atomic-write.js'
import {
  addServer,
  DEFAULT_SERVERS,
  MAX_SERVERS_FILE_BYTES,
  parseServersFile,
  removeServer,
  serializeServersFile,
  updateServer,
  type DnsServer,
  type ServerInput,
} from './servers.js'

export interface ServersStoreOptions {
  /** Path of dnsservers.json. */
  path: string
  /** Write with 2-space indent (config `pretty_json`). */
  prettyJson: boolean
  log: Logger
}

export interface ServersChange {
  kind: 'add' | 'update' | 'remove'
  server: DnsServer
  /** The full list now in effect. */
  servers: readonly DnsServer[]
}

/** Upstream servers (dnsservers.json). Construct with `ServersStore.open(opts)`. */
export class ServersStore {
  private current: readonly DnsServer[] = Object.freeze([])
  private queue: Promise<unknown> = Promise.resolve()
  private readonly listeners = new Set<(change: ServersChange) => void>()
  private readonly path: string

  private constructor(private readonly opts: ServersStoreOptions) {
    this.path = resolve(opts.path)
  }

  /**
   * Loads the file; a missing file is created with one inactive 1.1.1.1:53 row. A file that
   * cannot be read or parsed throws ERR_SERVERS_PARSE naming it, and is left untouched.
   */
  static async open(opts: ServersStoreOptions): Promise<ServersStore> {
    const store = new ServersStore(opts)
    await store.load()
    return store
  }

  /** Every row in file order (frozen snapshot). */
  list(): readonly DnsServer[] {
    return this.current
  }

  /** Adds a row (REST/TUI semantics, see servers.ts addServer); persists, then emits. */
  async add(input: ServerInput): Promise<DnsServer> {
    return this.write((list) => ({ ...addServer(list, input), kind: 'add' as const }))
  }

  /** Updates the row for `address` (omitted port resets to 53); persists, then emits. */
  async update(address: string, input: ServerInput): Promise<DnsServer> {
    return this.write((list) => ({ ...updateServer(list, address, input), kind: 'update' as const }))
  }

  /** Removes the row for `address`; ERR_SERVER_NOT_FOUND when absent. */
  async remove(address: string): Promise<DnsServer> {
    return this.write((list) => ({ ...removeServer(list, address), kind: 'remove' as const }))
  }

  onChange(listener: (change: ServersChange) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  private write(
    build: (list: readonly DnsServer[]) => { servers: DnsServer[]; server: DnsServer; kind: ServersChange['kind'] },
  ): Promise<DnsServer> {
    const run = this.queue.then(async () => {
      const { servers, server, kind } = build(this.current)
      await this.persist(servers)
      this.current = freeze(servers)
      const change: ServersChange = { kind, server, servers: this.current }
      for (const l of this.listeners) {
        try {
          l(change)
        } catch (err) {
          this.opts.log.error({ err }, 'servers change listener failed')
        }
      }
      return server
    })
    this.queue = run.catch(() => undefined)
    return run
  }

  private async persist(servers: readonly DnsServer[]): Promise<void> {
    try {
      await writeFileAtomic(this.path, serializeServersFile(servers, this.opts.prettyJson))
    } catch (err) {
      throw new DnsplaneError('ERR_SERVERS_WRITE', `cannot write ${this.path}: ${(err as Error).message}`, { cause: err })
    }
  }

  private async load(): Promise<void> {
    let fh
    let buf: Buffer
    try {
      fh = await open(this.path, 'r')
      const { size } = await fh.stat()
      if (size > MAX_SERVERS_FILE_BYTES) {
        throw new DnsplaneError('ERR_SERVERS_PARSE', `${this.path}: file is ${size} bytes, larger than ${MAX_SERVERS_FILE_BYTES}`)
      }
      buf = await fh.readFile()
    } catch (err) {
      if (isDnsplaneError(err)) throw err
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new DnsplaneError('ERR_SERVERS_PARSE', `${this.path}: cannot read: ${(err as Error).message}`, { cause: err })
      }
      await mkdir(dirname(this.path), { recursive: true })
      const servers = DEFAULT_SERVERS.map((s) => ({ ...s }))
      await this.persist(servers)
      this.current = freeze(servers)
      this.opts.log.info({ path: this.path }, 'servers file created')
      return
    } finally {
      await fh?.close()
    }
    try {
      this.current = freeze(parseServersFile(buf))
    } catch (err) {
      throw new DnsplaneError('ERR_SERVERS_PARSE', `${this.path}: ${(err as Error).message}`, { cause: err })
    }
    this.opts.log.info({ path: this.path, count: this.current.length }, 'servers loaded')
  }
}

function freeze(servers: DnsServer[]): readonly DnsServer[] {
  for (const s of servers) {
    if (s.domain_whitelist) Object.freeze(s.domain_whitelist)
    Object.freeze(s)
  }
  return Object.freeze(servers)
}
