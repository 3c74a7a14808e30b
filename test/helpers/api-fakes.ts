/**
 * In-memory fakes of everything ApiDeps needs, for in-process API tests (app.inject()).
 * Each fake records the calls it gets so tests can assert what the API asked for.
 */
import pino from 'pino'
import type {
  ApiDeps,
  CacheRow,
  DigQuery,
  DigRow,
  Readiness,
  ServerInput,
  ServerRow,
  UpstreamHealthEntry,
  WritePermission,
} from '../../src/api/deps.js'
import type { ClusterControl, ClusterStatus, JoinInfo, PeerOpResult, PeerRole } from '../../src/cluster/control.js'
import type { ConfigControl, SetResult } from '../../src/config/control.js'
import { DnsplaneError } from '../../src/errors.js'
import { RecordIndex } from '../../src/store/record-index.js'
import type { MassDeleteInfo } from '../../src/store/mass-delete.js'
import type {
  ChangeSource,
  MassDeleteResult,
  StartReconcile,
  RecordSetTransform,
  RecordChange,
  RecordInput,
  RecordSelector,
  RecordStore,
  WriteResult,
} from '../../src/store/record-store.js'
import { canonicalName, GO_ZERO_TIME, isSameRecord, nameKey, type DnsRecord } from '../../src/store/record.js'

const FAKE_TYPES = new Set(['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'PTR', 'SRV', 'SOA', 'CAA'])

/** RecordStore in memory; writes run one at a time through a queue and yield before committing. */
export class FakeRecordStore implements RecordStore {
  private current: RecordIndex
  private queue: Promise<unknown> = Promise.resolve()
  private nextId = 1
  private readonly listeners = new Set<(c: RecordChange) => void>()
  reloadResult: number | Error = 0
  writes = 0

  constructor(records: DnsRecord[] = []) {
    this.current = RecordIndex.build(records, 0)
  }

  get index(): RecordIndex {
    return this.current
  }

  list(): readonly DnsRecord[] {
    return this.current.records
  }

  add(input: RecordInput): Promise<WriteResult> {
    return this.enqueue(async () => {
      const rec = this.validate(input)
      if (rec.id !== undefined && this.list().some((r) => r.id === rec.id)) {
        throw new DnsplaneError('ERR_RECORD_CONFLICT', `a record with id ${rec.id} already exists`)
      }
      const dup = this.list().find((r) => isSameRecord(r, rec))
      if (dup) return { records: [dup], messages: ['record already exists'] }
      rec.id ??= `id-${this.nextId++}`
      this.commit([...this.list(), rec], 'add', [rec])
      return { records: [rec], messages: [] }
    })
  }

  update(input: RecordInput): Promise<WriteResult> {
    return this.enqueue(async () => {
      const rec = this.validate(input)
      if (input.id !== undefined) {
        const i = this.list().findIndex((r) => r.id === input.id)
        if (i < 0) throw new DnsplaneError('ERR_RECORD_NOT_FOUND', `no record with id ${input.id}`)
        const next = [...this.list()]
        next[i] = { ...next[i], name: rec.name, type: rec.type, value: rec.value, ttl: input.ttl ?? next[i].ttl }
        this.commit(next, 'update', [next[i]])
        return { records: [next[i]], messages: [] }
      }
      const next = this.list().map((r) => (isSameRecord(r, rec) ? { ...r, ttl: rec.ttl } : r))
      this.commit(next, 'update', next.filter((r) => isSameRecord(r, rec)))
      return { records: [], messages: [] }
    })
  }

  remove(selector: RecordSelector): Promise<WriteResult> {
    return this.enqueue(async () => {
      const hit = (r: DnsRecord): boolean => {
        if ('id' in selector) return r.id === selector.id
        if (nameKey(r.name) !== nameKey(selector.name)) return false
        if (selector.type !== undefined && r.type !== selector.type.toUpperCase()) return false
        return selector.value === undefined || r.value === selector.value
      }
      const removed = this.list().filter(hit)
      if (removed.length === 0) throw new DnsplaneError('ERR_RECORD_NOT_FOUND', 'record not found')
      this.commit(
        this.list().filter((r) => !hit(r)),
        'remove',
        removed,
      )
      return { records: removed, messages: [] }
    })
  }

  async replaceAll(records: readonly DnsRecord[], source: ChangeSource): Promise<void> {
    this.current = RecordIndex.build(records, this.current.generation + 1)
    for (const l of this.listeners) l({ source, kind: 'replace', records, index: this.current })
  }

  async replaceWith(compute: RecordSetTransform, source: ChangeSource): Promise<boolean> {
    const out = await compute(this.list())
    if (out === undefined) return false
    await this.replaceAll(out, source)
    return true
  }

  async reload(): Promise<number> {
    if (this.reloadResult instanceof Error) throw this.reloadResult
    return this.reloadResult
  }

  async save(): Promise<void> {}

  async reconcileAtStart(): Promise<StartReconcile> {
    return 'accepted'
  }

  /** The held-back mass delete the API reports; confirm/discard clear it and count the call. */
  held: MassDeleteInfo | undefined
  massDeleteCalls: Array<'confirm' | 'discard'> = []

  heldMassDelete(): MassDeleteInfo | undefined {
    return this.held
  }

  async confirmMassDelete(): Promise<MassDeleteResult> {
    return this.endHeld('confirm')
  }

  async discardMassDelete(): Promise<MassDeleteResult> {
    return this.endHeld('discard')
  }

  private endHeld(how: 'confirm' | 'discard'): MassDeleteResult {
    if (!this.held) throw new DnsplaneError('ERR_NOT_FOUND', 'no mass delete is held back')
    this.massDeleteCalls.push(how)
    const removed = how === 'confirm' ? this.held.removed : 0
    this.held = undefined
    return { removed, records: this.list().length }
  }

  onChange(listener: (change: RecordChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  private validate(input: RecordInput): DnsRecord {
    const type = input.type.trim().toUpperCase()
    if (!FAKE_TYPES.has(type)) throw new DnsplaneError('ERR_RECORD_INVALID', `unknown record type ${input.type}`)
    return {
      ...(input.id !== undefined ? { id: input.id } : {}),
      name: canonicalName(input.name),
      type,
      value: input.value.trim(),
      ttl: input.ttl ?? 3600,
      added_on: GO_ZERO_TIME,
      updated_on: GO_ZERO_TIME,
      last_query: GO_ZERO_TIME,
    }
  }

  private commit(next: DnsRecord[], kind: RecordChange['kind'], records: DnsRecord[]): void {
    this.writes++
    this.current = RecordIndex.build(next, this.current.generation + 1)
    for (const l of this.listeners) l({ source: 'local', kind, records, index: this.current })
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    // Yield first so parallel callers really interleave at the queue, as with disk writes.
    const run = this.queue.then(() => new Promise<void>((r) => setImmediate(r))).then(fn)
    this.queue = run.catch(() => undefined)
    return run
  }
}

export function serverRow(address: string, over: Partial<ServerRow> = {}): ServerRow {
  return {
    address,
    port: '53',
    active: true,
    local_resolver: true,
    adblocker: false,
    last_used: GO_ZERO_TIME,
    last_success: GO_ZERO_TIME,
    ...over,
  }
}

export class FakeServers {
  rows: ServerRow[] = [serverRow('1.1.1.1', { active: false })]
  calls: Array<{ op: string; address?: string; input?: ServerInput }> = []

  list(): readonly ServerRow[] {
    return this.rows
  }

  async add(input: ServerInput): Promise<{ messages: string[] }> {
    this.calls.push({ op: 'add', input })
    if (!/^[0-9.:a-f]+$/i.test(input.address)) throw new DnsplaneError('ERR_SERVER_INVALID', `address ${input.address} is not an IP`)
    this.rows.push(serverRow(input.address, { ...input, port: input.port ?? '53' }))
    return { messages: [] }
  }

  async update(address: string, input: ServerInput): Promise<{ messages: string[] }> {
    this.calls.push({ op: 'update', address, input })
    const i = this.rows.findIndex((r) => r.address === address)
    if (i < 0) throw new DnsplaneError('ERR_SERVER_NOT_FOUND', `server ${address} not found`)
    this.rows[i] = serverRow(input.address, { ...input, port: input.port ?? '53' })
    return { messages: [] }
  }

  async remove(address: string): Promise<void> {
    this.calls.push({ op: 'remove', address })
    const before = this.rows.length
    this.rows = this.rows.filter((r) => r.address !== address)
    if (this.rows.length === before) throw new DnsplaneError('ERR_SERVER_NOT_FOUND', `server ${address} not found`)
  }
}

export class FakeCache {
  rows: CacheRow[] = [
    {
      dns_record: { name: 'example.org', type: 'A', value: '192.0.2.7', ttl: 60 },
      expiry: '2030-01-01T00:00:00Z',
      timestamp: '2029-12-31T23:59:00Z',
      last_query: GO_ZERO_TIME,
    },
  ]
  cleared = 0
  removed: Array<{ name: string; type?: string }> = []
  list(): readonly CacheRow[] {
    return this.rows
  }
  clear(): void {
    this.cleared++
    this.rows = []
  }
  remove(name: string, type?: string): number {
    this.removed.push({ name, type })
    return 1
  }
}

export function fakeClusterStatus(over: Partial<ClusterStatus> = {}): ClusterStatus {
  return {
    enabled: true,
    node_id: 'node-a',
    listen_addr: '0.0.0.0:7946',
    replica_only: false,
    cluster_admin: false,
    peers: [
      { address: '10.0.0.2:7946', reachable: true, last_probe_rtt_ms: 1.5, last_sync_ok: '2030-01-01T00:00:00Z' },
      { address: '10.0.0.3:7946', reachable: false, last_outbound_error: 'connection refused' },
    ],
    local_seq: 7,
    static_peer_count: 2,
    srv_peer_count: 0,
    effective_peer_count: 2,
    ...over,
  }
}

export class FakeCluster implements ClusterControl {
  calls: Array<{ op: string; address?: string; role?: PeerRole }> = []
  statusValue: ClusterStatus = fakeClusterStatus()
  failWith: Error | undefined
  status(): ClusterStatus {
    return this.statusValue
  }
  async pull(): Promise<PeerOpResult[]> {
    this.calls.push({ op: 'pull' })
    return [{ address: '10.0.0.2:7946', ok: true }]
  }
  join(): JoinInfo {
    return { node_id: 'node-a', listen_addr: '0.0.0.0:7946', dial_address: '192.0.2.1:7946', token_sha256_hex: 'ab'.repeat(32) }
  }
  async addPeer(address: string, role?: PeerRole): Promise<string[]> {
    this.calls.push({ op: 'addPeer', address, role })
    if (this.failWith) throw this.failWith
    return ['peer added']
  }
  async removePeer(address: string): Promise<void> {
    this.calls.push({ op: 'removePeer', address })
    if (address === '10.9.9.9:7946') throw new DnsplaneError('ERR_NOT_FOUND', 'peer not found in cluster_peers')
  }
  async setPeerRole(address: string, role: PeerRole): Promise<void> {
    this.calls.push({ op: 'setPeerRole', address, role })
    if (this.failWith) throw this.failWith
  }
  async pushRecords(address: string): Promise<void> {
    this.calls.push({ op: 'pushRecords', address })
    if (this.failWith) throw this.failWith
  }
  async pushConfig(address: string): Promise<void> {
    this.calls.push({ op: 'pushConfig', address })
    if (this.failWith) throw this.failWith
  }
}

export class FakeConfig implements ConfigControl {
  readonly path = '/etc/dnsplane.json'
  values: Record<string, unknown> = { dns_port: 53, api_auth_token: '(set)' }
  saved = 0
  loaded = 0
  redacted(): Record<string, unknown> {
    return { ...this.values }
  }
  set(key: string, value: string): SetResult {
    if (key === 'dns_port') {
      const n = Number(value)
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new DnsplaneError('ERR_CONFIG_INVALID', `dns_port: must be 1-65535, got ${value}`)
      this.values.dns_port = n
      return { key, value: n, restart_required: true }
    }
    if (key === 'cluster_peers') {
      this.values.cluster_peers = JSON.parse(value)
      return { key, value: this.values.cluster_peers, restart_required: false }
    }
    throw new DnsplaneError('ERR_CONFIG_INVALID', `unknown setting: ${key}`)
  }
  async save(): Promise<void> {
    this.saved++
  }
  async load(): Promise<void> {
    this.loaded++
  }
}

export class FakeTools {
  queries: DigQuery[] = []
  async dig(q: DigQuery): Promise<DigRow[]> {
    this.queries.push(q)
    return [{ server: q.server ?? '1.1.1.1:53', status: 'OK', time_ms: 3, answers: [`${q.name}. 60 IN ${q.type} 192.0.2.1`] }]
  }
}

export function fakeReadiness(over: Partial<Readiness> = {}): Readiness {
  return {
    ready: true,
    api: true,
    dns: true,
    listeners: { dns_port: '53', api_port: '8080', api_enabled: true, client_socket_path: '/run/dnsplane.sock', client_tcp_address: '' },
    ...over,
  }
}

export interface FakeDeps extends ApiDeps {
  records: RecordStore
  servers: FakeServers
  cache: FakeCache
  cluster?: FakeCluster
  config?: FakeConfig
  tools?: FakeTools
}

/** State tests flip: the token and the local-write permission are read per request. */
export interface FakeKnobs {
  token: string
  writes: WritePermission
  ready: Readiness
  health: UpstreamHealthEntry[]
}

/** Full fake deps with cluster, config and tools present; pass `records` to use a real store. */
export function makeDeps(over: Partial<FakeDeps> = {}, knobs: Partial<FakeKnobs> = {}): { deps: FakeDeps; knobs: FakeKnobs } {
  const k: FakeKnobs = {
    token: '',
    writes: { ok: true },
    ready: fakeReadiness(),
    health: [{ address_port: '1.1.1.1:53', unhealthy: false, consecutive_failures: 0 }],
    ...knobs,
  }
  const deps: FakeDeps = {
    records: new FakeRecordStore(),
    servers: new FakeServers(),
    upstreamHealth: { enabled: true, intervalSeconds: 30, failures: 3, queryName: 'example.com', snapshot: () => k.health },
    cache: new FakeCache(),
    stats: {
      resolver: () => ({
        total_queries: 10,
        total_cache_hits: 4,
        total_blocks: 1,
        total_queries_forwarded: 0,
        total_queries_answered: 9,
        server_start_time: '2030-01-01T00:00:00Z',
      }),
    },
    readiness: () => k.ready,
    version: { version: '0.1.0', node: 'v20.0.0', os: 'linux', arch: 'x64' },
    getApiToken: () => k.token,
    localWritesAllowed: () => k.writes,
    cluster: new FakeCluster(),
    config: new FakeConfig(),
    tools: new FakeTools(),
    log: pino({ level: 'silent' }),
    now: () => Date.parse('2030-01-01T00:01:40Z'),
    ...over,
  }
  return { deps, knobs: k }
}

export interface CallResult {
  status: number
  headers: Record<string, unknown>
  /** Raw body text. */
  text: string
  /** Parsed JSON body, or undefined when the body is empty. */
  json: any
}

/** One in-process request; objects are sent as JSON. */
export async function call(
  app: { inject: (opts: any) => Promise<{ statusCode: number; headers: Record<string, unknown>; body: string }> },
  method: string,
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
): Promise<CallResult> {
  const res = await app.inject({ method, url, payload: payload as any, headers })
  return { status: res.statusCode, headers: res.headers, text: res.body, json: res.body === '' ? undefined : JSON.parse(res.body) }
}
