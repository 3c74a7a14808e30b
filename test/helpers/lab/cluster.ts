/**
 * Fault-lab harness: N real dnsplane node PROCESSES, node i on 127.0.0.(i+2) with its own data dir,
 * fixed DNS/API/cluster ports, and every directed cluster link i->j through a LinkProxy, so a test
 * can cut, delay, reset, partition and heal links, and SIGKILL/SIGSTOP/SIGCONT/restart nodes.
 * Requires dist/ (npm run build); labSkipReason() says why a lab test must skip.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, waitFor } from '../daemon.js'
import { queryUdp } from '../dns-client.js'
import { LinkProxy } from './proxy.js'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
export const BIN = join(ROOT, 'bin', 'dnsplane.js')
export const LAB_TOKEN = 'fault-lab-shared-token'

/** Newest mtime (ms) of any file under `dir`. */
function newestMtime(dir: string): number {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p))
    else if (e.name.endsWith('.ts') || e.name.endsWith('.tsx')) newest = Math.max(newest, statSync(p).mtimeMs)
  }
  return newest
}

/**
 * Why the lab cannot run here, or undefined. The lab runs the built CLI (dist/), which CI builds
 * via `npm ci` (prepare). A stale dist would test old code, so it is refused too.
 */
/**
 * Scenarios that run only in the full fault lab, `DNSPLANE_LAB_FULL=1 npm test` (docs/fault-lab.md lists
 * them): `npm test` keeps the record_lww kill, partition, lost-file, hostile-peer and bulk-kill scenarios,
 * so the suite stays within CI's time on 2 cores.
 */
export function fullLabOnly(skip: string | undefined): string | undefined {
  return skip ?? (process.env.DNSPLANE_LAB_FULL === '1' ? undefined : 'original-policy scenario: runs with DNSPLANE_LAB_FULL=1')
}

export function labSkipReason(): string | undefined {
  const main = join(ROOT, 'dist', 'cli', 'main.js')
  if (!existsSync(main)) return 'fault lab needs dist/: run `npm run build` first'
  if (newestMtime(join(ROOT, 'src')) > statSync(main).mtimeMs + 1000 && process.env.DNSPLANE_LAB_ALLOW_STALE !== '1') {
    return 'fault lab: dist/ is older than src/: run `npm run build` (or set DNSPLANE_LAB_ALLOW_STALE=1)'
  }
  return undefined
}

export interface LabRecord {
  name: string
  type: string
  value: string
  ttl?: number
}

export interface LabNodeSpec {
  /** cluster_node_id; default node-<i>. */
  id?: string
  /** Extra dnsplane.json keys for this node. */
  config?: Record<string, unknown>
  /** Initial dnsrecords.json content (records array). */
  records?: LabRecord[]
}

export interface LabOptions {
  nodes: number | LabNodeSpec[]
  /** dnsplane.json keys for every node (after the lab's, before each node's own). */
  config?: Record<string, unknown>
  /** Records every node starts with. */
  records?: LabRecord[]
  /** Bound for each node's first start (default 20 s, as LabNode.start). */
  startTimeoutMs?: number
}

const MAX_LOG_LINES = 300

/** Every live child, so an aborted test run does not leave nodes behind. */
const LIVE = new Set<ChildProcess>()
process.once('exit', () => {
  for (const p of LIVE) {
    try {
      p.kill('SIGKILL')
    } catch {
      // already gone
    }
  }
})

export class LabNode {
  proc: ChildProcess | undefined
  readonly log: string[] = []
  exits: Array<{ code: number | null; signal: string | null }> = []
  stopped = false
  /** True from a successful start() until a kill/stop signal: the window in which DNS must answer. */
  ready = false
  /** Bumped at every start and kill/stop signal, so a probe can tell it spanned a fault. */
  generation = 0

  constructor(
    readonly index: number,
    readonly id: string,
    readonly host: string,
    readonly dir: string,
    readonly dnsPort: number,
    readonly apiPort: number,
    readonly clusterPort: number,
  ) {}

  get alive(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null
  }

  get recordsPath(): string {
    return join(this.dir, 'dnsrecords.json')
  }

  /** Spawns the process and waits (bounded) until its API answers. */
  async start(timeoutMs = 45_000): Promise<void> {
    if (this.alive) throw new Error(`${this.id} already running`)
    const proc = spawn(process.execPath, [BIN, 'server', '--config', this.dir + '/'], {
      cwd: this.dir,
      env: { ...process.env, HOME: this.dir, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.proc = proc
    LIVE.add(proc)
    this.stopped = false
    const keep = (chunk: Buffer) => {
      for (const line of String(chunk).split('\n')) if (line) this.log.push(line)
      if (this.log.length > MAX_LOG_LINES) this.log.splice(0, this.log.length - MAX_LOG_LINES)
    }
    proc.stdout?.on('data', keep)
    proc.stderr?.on('data', keep)
    proc.on('exit', (code, signal) => {
      LIVE.delete(proc)
      this.exits.push({ code, signal })
      this.log.push(`[lab] process exited code=${code} signal=${signal}`)
    })
    const up = await waitFor(async () => {
      if (!this.alive) throw new Error('exited')
      const res = await fetch(`${this.apiUrl}/ready`, { signal: AbortSignal.timeout(500) })
      return res.status > 0
    }, timeoutMs)
    if (!up) throw new Error(`${this.id} did not come up within ${timeoutMs} ms:\n${this.log.slice(-20).join('\n')}`)
    this.ready = true
    this.generation++
  }

  get apiUrl(): string {
    return `http://${this.host}:${this.apiPort}`
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.generation++
    if (signal === 'SIGSTOP') this.stopped = true
    if (signal === 'SIGCONT') this.stopped = false
    if (signal === 'SIGKILL' || signal === 'SIGTERM') this.ready = false
    this.proc?.kill(signal)
  }

  /** SIGKILL and wait for the exit (bounded). */
  async killHard(): Promise<void> {
    if (!this.proc || !this.alive) return
    const proc = this.proc
    this.ready = false
    this.generation++
    const exited = new Promise<void>((r) => proc.once('exit', () => r()))
    if (this.stopped) proc.kill('SIGCONT')
    proc.kill('SIGKILL')
    // The bound's timer is cleared after the exit: left running it kept the test process up for 5 s.
    let timer: NodeJS.Timeout | undefined
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))])
    clearTimeout(timer)
    this.stopped = false
  }

  /** SIGKILL (if running) then start again with the same dir and ports. */
  async restart(): Promise<void> {
    await this.killHard()
    await this.start()
  }

  async api(method: string, path: string, body?: unknown, timeoutMs = 3000): Promise<{ status: number; json: any }> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    })
    const text = await res.text()
    let json: unknown
    try {
      json = text ? JSON.parse(text) : undefined
    } catch {
      json = text
    }
    return { status: res.status, json }
  }

  /** Adds a record through the API; returns the HTTP status and body. */
  add(rec: LabRecord): Promise<{ status: number; json: any }> {
    return this.api('POST', '/dns/records', { ttl: 60, ...rec })
  }

  /** The node's records as sorted "name type value" keys (via the API). */
  async recordKeys(): Promise<string[]> {
    const res = await this.api('GET', '/dns/records')
    const list = (Array.isArray(res.json) ? res.json : (res.json?.records ?? [])) as LabRecord[]
    return list.map((r) => `${r.name.replace(/\.$/, '').toLowerCase()} ${r.type} ${r.value}`).sort()
  }

  /** A record's values answered over UDP by this node ([] on no answer). */
  async answers(name: string, type = 'A', timeoutMs = 500): Promise<string[]> {
    const p = await queryUdp(this.dnsPort, name, type, timeoutMs, this.host)
    return (p.answers ?? []).map((a) => String((a as { data?: unknown }).data))
  }

  /** The node's cluster_state.json (node_id, local_seq, peer_seq, global_lww winner); {} if unreadable. */
  async clusterState(): Promise<Record<string, unknown>> {
    try {
      return JSON.parse(await readFile(join(this.dir, 'cluster_state.json'), 'utf8')) as Record<string, unknown>
    } catch {
      return {}
    }
  }

  /**
   * Sum of the samples of metric `name` on GET /metrics whose labels include every `labels` pair
   * (0 when there is none).
   */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const res = await fetch(`${this.apiUrl}/metrics`, { signal: AbortSignal.timeout(3000) })
    const text = await res.text()
    let sum = 0
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line)
      if (!m || m[1] !== name) continue
      const got = m[2] ?? ''
      if (Object.entries(labels).every(([k, v]) => got.includes(`${k}="${v}"`))) sum += Number(m[3])
    }
    return sum
  }

  /** Log tail and records file, for failure output. */
  async dump(lines = 40): Promise<string> {
    let file: string
    try {
      file = await readFile(this.recordsPath, 'utf8')
      if (file.length > 4000) file = file.slice(0, 4000) + '…'
    } catch (err) {
      file = `<unreadable: ${(err as Error).message}>`
    }
    return [`=== ${this.id} (${this.host} dns ${this.dnsPort} api ${this.apiPort} cluster ${this.clusterPort}) alive=${this.alive} exits=${JSON.stringify(this.exits)}`, '--- log tail', ...this.log.slice(-lines), '--- dnsrecords.json', file].join('\n')
  }
}

export class LabCluster {
  readonly nodes: LabNode[] = []
  /** links.get(`${from}->${to}`): the proxy node `from` dials to reach node `to`. */
  readonly links = new Map<string, LinkProxy>()
  private readonly dirs: string[] = []

  /** Starts the proxies and all node processes; on failure everything started is torn down. */
  static async start(opts: LabOptions): Promise<LabCluster> {
    const lab = new LabCluster()
    try {
      await lab.init(opts)
    } catch (err) {
      await lab.stop()
      throw err
    }
    return lab
  }

  private async init(opts: LabOptions): Promise<void> {
    const specs: LabNodeSpec[] = typeof opts.nodes === 'number' ? Array.from({ length: opts.nodes }, () => ({})) : opts.nodes
    if (specs.length < 1 || specs.length > 5) throw new Error('the lab runs 1..5 nodes (127.0.0.2..6)')
    for (let i = 0; i < specs.length; i++) {
      const host = `127.0.0.${i + 2}`
      const dir = await mkdtemp(join(tmpdir(), `dnsplane-lab-${i}-`))
      this.dirs.push(dir)
      const node = new LabNode(i, specs[i].id ?? `node-${i}`, host, dir, await freePort(host), await freePort(host), await freePort(host))
      this.nodes.push(node)
    }
    for (const from of this.nodes) {
      for (const to of this.nodes) {
        if (from === to) continue
        const p = new LinkProxy(`${from.id}->${to.id}`, to.host, { host: to.host, port: () => to.clusterPort }, from.host)
        await p.start()
        this.links.set(`${from.index}->${to.index}`, p)
      }
    }
    for (const node of this.nodes) {
      const spec = specs[node.index]
      const peers = this.nodes.filter((n) => n !== node).map((n) => this.link(node.index, n.index).address)
      const config = {
        port: String(node.dnsPort),
        dns_bind: node.host,
        api: true,
        apiport: String(node.apiPort),
        api_bind: node.host,
        server_socket: join(node.dir, 'ctl.sock'),
        fallback_server_ip: '127.0.0.1',
        fallback_server_port: '9',
        timeout: 1,
        cache_records: false,
        cluster_enabled: true,
        cluster_listen_addr: `${node.host}:${node.clusterPort}`,
        cluster_advertise_addr: `${node.host}:${node.clusterPort}`,
        cluster_peers: peers,
        cluster_auth_token: LAB_TOKEN,
        cluster_node_id: node.id,
        cluster_sync_interval_seconds: 0,
        ...opts.config,
        ...spec.config,
      }
      await writeFile(join(node.dir, 'dnsplane.json'), JSON.stringify(config, null, 2))
      const records = spec.records ?? opts.records ?? []
      await writeFile(node.recordsPath, JSON.stringify({ records: records.map((r) => ({ ttl: 60, ...r })) }))
    }
    await Promise.all(this.nodes.map((n) => n.start(opts.startTimeoutMs)))
  }

  link(from: number, to: number): LinkProxy {
    const p = this.links.get(`${from}->${to}`)
    if (!p) throw new Error(`no link ${from}->${to}`)
    return p
  }

  /** Cuts every link between the two groups (both directions); links inside a group stay up. */
  partition(a: number[], b: number[]): void {
    for (const x of a) for (const y of b) {
      this.link(x, y).cut()
      this.link(y, x).cut()
    }
  }

  /** Heals every link (no cut, no delay). */
  heal(): void {
    for (const p of this.links.values()) p.heal()
  }

  /** Polls until every live node lists the same records (bounded); returns them or undefined. */
  async converged(timeoutMs: number, expect?: (keys: string[]) => boolean): Promise<string[] | undefined> {
    return waitFor(async () => {
      const sets = await Promise.all(this.nodes.map((n) => n.recordKeys()))
      const first = JSON.stringify(sets[0])
      if (!sets.every((s) => JSON.stringify(s) === first)) return undefined
      if (expect && !expect(sets[0])) return undefined
      return sets[0]
    }, timeoutMs)
  }

  /**
   * Polls until every live node has processed (applied, or refused as stale/denied, which also
   * records the seq) the latest snapshot of every node that has written (local_seq >= 1), read from
   * the cluster_state.json files: after it no push is pending, so the record sets are final until
   * the next write. Returns the time it took, or undefined on timeout.
   */
  async quiesced(timeoutMs: number): Promise<number | undefined> {
    const started = Date.now()
    const ok = await waitFor(async () => {
      const states = await Promise.all(this.nodes.map((n) => n.clusterState()))
      for (const [w, ws] of states.entries()) {
        const seq = Number(ws.local_seq ?? 0)
        if (seq < 1) continue
        for (const [r, rs] of states.entries()) {
          if (r === w || !this.nodes[r].alive) continue
          const seen = (rs.peer_seq ?? {}) as Record<string, number>
          if (!(Number(seen[this.nodes[w].id] ?? 0) >= seq)) return false
        }
      }
      return true
    }, timeoutMs)
    return ok ? Date.now() - started : undefined
  }

  /** Every node's records as sorted keys, in node order. */
  keys(): Promise<string[][]> {
    return Promise.all(this.nodes.map((n) => n.recordKeys()))
  }

  /** Every node's log tail and records file. */
  async dump(): Promise<string> {
    return (await Promise.all(this.nodes.map((n) => n.dump()))).join('\n\n')
  }

  /** Kills every process, stops proxies and removes the data dirs. Never throws. */
  async stop(): Promise<void> {
    await Promise.allSettled(this.nodes.map((n) => n.killHard()))
    await Promise.allSettled([...this.links.values()].map((p) => p.stop()))
    await Promise.allSettled(this.dirs.map((d) => rm(d, { recursive: true, force: true })))
  }
}

/**
 * One cluster for several subtests of a file, where each would otherwise start its own (a node start
 * costs ~2 CPU s): the first subtest that asks starts it, the end of `root` (the file) stops it. Each
 * subtest finds every link healed and every node running, and gets the failure dump of labTeardown.
 */
export function sharedLab(root: { teardown(fn: () => unknown): void }, opts: LabOptions): (t: Parameters<typeof labTeardown>[0]) => Promise<LabCluster> {
  let started: Promise<LabCluster> | undefined
  root.teardown(async () => {
    await (await started?.catch(() => undefined))?.stop()
  })
  return async (t) => {
    started ??= LabCluster.start(opts)
    const lab = await started
    lab.heal()
    for (const n of lab.nodes) {
      if (n.stopped) n.kill('SIGCONT')
      if (!n.alive) await n.start()
    }
    t.teardown(async () => {
      if (!t.passing()) t.comment(await lab.dump())
    })
    return lab
  }
}

/**
 * Registers teardown for `lab` on `t`: on failure prints every node's log tail and records
 * file (before the dirs are removed), then kills everything.
 */
export function labTeardown(t: { teardown(fn: () => unknown): void; passing(): boolean; comment(...a: unknown[]): void }, lab: LabCluster): void {
  t.teardown(async () => {
    if (!t.passing()) t.comment(await lab.dump())
    await lab.stop()
  })
}
