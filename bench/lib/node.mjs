// One real dnsplane node process for the bench scripts: `node bin/dnsplane.js server --config DIR/dnsplane.json`
// with its own data dir, host (127.0.0.N) and ports. Needs dist/ (npx tsc -p tsconfig.json).
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stopChild, track } from './proc.mjs'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = join(ROOT, 'bin', 'dnsplane.js')
const MAX_LOG_LINES = 400

/** Ports handed out already: the kernel may offer a just-closed port again (one node then got its DNS and cluster ports equal). */
const handedOut = new Set()

/** A free TCP port on `host`, never one handed out before by this process (also used for the node's UDP DNS port). */
export async function freePort(host) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise((res, rej) => {
      const srv = net.createServer()
      srv.once('error', rej)
      srv.listen(0, host, () => {
        const p = srv.address().port
        srv.close(() => res(p))
      })
    })
    if (!handedOut.has(port)) {
      handedOut.add(port)
      return port
    }
  }
  throw new Error(`no fresh free port on ${host} after 50 tries`)
}

export class BenchNode {
  proc
  log = []

  /** @param {{id: string, host: string, dir: string, dnsPort: number, apiPort: number, clusterPort: number, apiToken: string}} o */
  constructor(o) {
    Object.assign(this, o)
  }

  /** Ports on `host`, picked free now. `bin`: another checkout's bin/dnsplane.js (a before/after run); `nodeArgs`: extra node flags (e.g. --cpu-prof). */
  static async create({ id, host, dir, apiToken, bin, nodeArgs }) {
    return new BenchNode({ id, host, dir, apiToken, bin, nodeArgs, dnsPort: await freePort(host), apiPort: await freePort(host), clusterPort: await freePort(host) })
  }

  get recordsPath() {
    return join(this.dir, 'dnsrecords.json')
  }

  get clusterAddr() {
    return `${this.host}:${this.clusterPort}`
  }

  /** Writes dnsplane.json (base keys for DNS, API and cluster listen, then `extra`) and dnsrecords.json. */
  writeFiles(extra, records) {
    const config = {
      port: String(this.dnsPort),
      dns_bind: this.host,
      api: true,
      apiport: String(this.apiPort),
      api_bind: this.host,
      api_auth_token: this.apiToken,
      server_socket: join(this.dir, 'ctl.sock'),
      fallback_server_ip: '127.0.0.1',
      fallback_server_port: '9',
      timeout: 1,
      cache_records: false,
      cluster_enabled: true,
      cluster_listen_addr: this.clusterAddr,
      cluster_advertise_addr: this.clusterAddr,
      cluster_node_id: this.id,
      cluster_sync_interval_seconds: 0,
      ...extra,
    }
    writeFileSync(join(this.dir, 'dnsplane.json'), JSON.stringify(config, null, 2))
    writeFileSync(this.recordsPath, JSON.stringify({ records }))
  }

  get alive() {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null
  }

  /** Spawns the node and waits (bounded) until GET /ready answers 200. */
  async start(timeoutMs = 30_000) {
    const proc = spawn(process.execPath, [...(this.nodeArgs ?? []), this.bin ?? BIN, 'server', '--config', join(this.dir, 'dnsplane.json')], {
      cwd: this.dir,
      env: { ...process.env, HOME: this.dir, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.proc = track(proc)
    const keep = (chunk) => {
      for (const line of String(chunk).split('\n')) if (line) this.log.push(line)
      if (this.log.length > MAX_LOG_LINES) this.log.splice(0, this.log.length - MAX_LOG_LINES)
    }
    proc.stdout.on('data', keep)
    proc.stderr.on('data', keep)
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (!this.alive) break
      try {
        const res = await fetch(`http://${this.host}:${this.apiPort}/ready`, { signal: AbortSignal.timeout(1000) })
        if (res.status === 200) return
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`${this.id} did not become ready within ${timeoutMs} ms (alive=${this.alive}):\n${this.log.slice(-20).join('\n')}`)
  }

  /** A REST call with the API token; resolves { status, json }. */
  async api(method, path, body, timeoutMs = 5000) {
    const res = await fetch(`http://${this.host}:${this.apiPort}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    })
    const text = await res.text()
    let json
    try {
      json = text ? JSON.parse(text) : undefined
    } catch {
      json = text
    }
    return { status: res.status, json }
  }

  /** VmRSS and VmHWM (peak) of the node process in bytes, from /proc/<pid>/status. */
  memory() {
    const status = readFileSync(`/proc/${this.proc.pid}/status`, 'utf8')
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') }
  }

  /** Log lines matching `re`. */
  grepLog(re) {
    return this.log.filter((l) => re.test(l))
  }

  async stop() {
    if (this.proc) await stopChild(this.proc, 5000)
  }
}
