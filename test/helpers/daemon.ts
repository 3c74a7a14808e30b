/**
 * Starts a real daemon in-process in a temp directory, on 127.0.0.1 with ephemeral ports.
 * Every test that uses it must call `stop()` in t.teardown.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import pino from 'pino'
import { startDaemon, type Daemon } from '../../src/daemon/daemon.js'

export interface TestNode {
  dir: string
  daemon: Daemon
  dnsPort: number
  apiPort: number | undefined
  logLines: string[]
}

/** Writes dnsplane.json (defaults + `config`) into a fresh temp dir and starts a node there. */
export async function startTestNode(
  config: Record<string, unknown> = {},
  opts: { dir?: string; records?: unknown; srvResolverServers?: string[] } = {},
): Promise<TestNode> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'dnsplane-it-')))
  const base = {
    port: '0',
    dns_bind: '127.0.0.1',
    api: true,
    apiport: '0',
    api_bind: '127.0.0.1',
    server_socket: join(dir, 'ctl.sock'),
    fallback_server_ip: '127.0.0.1',
    fallback_server_port: '9',
    timeout: 1,
    // The self-query every 10 s would shift exact query counts in long tests; test/daemon/cache-warm.ts turns it on.
    cache_warm_enabled: false,
    ...config,
  }
  if (!opts.dir || config.port !== undefined || Object.keys(config).length > 0) await writeFile(join(dir, 'dnsplane.json'), JSON.stringify(base, null, 2))
  if (opts.records !== undefined) await writeFile(join(dir, 'dnsrecords.json'), JSON.stringify(opts.records))
  const logLines: string[] = []
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(...String(chunk).split('\n').filter(Boolean))
      if (logLines.length > 2000) logLines.splice(0, logLines.length - 2000)
      cb()
    },
  })
  const daemon = await startDaemon({
    overrides: { configPath: join(dir, 'dnsplane.json') },
    cwd: dir,
    exeDir: dir,
    env: {},
    homeDir: dir,
    isRoot: false,
    systemConfigPath: join(dir, 'no-such-etc.json'),
    logger: pino({ level: 'debug' }, sink),
    clusterProbeIntervalMs: 500,
    srvResolverServers: opts.srvResolverServers,
  })
  return { dir, daemon, dnsPort: daemon.dnsAddress().udp.port, apiPort: daemon.apiAddress()?.port, logLines }
}

/** Polls `check` every 50 ms until it returns a truthy value or `timeoutMs` passes (then returns undefined). */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 5000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const v = await check()
      if (v) return v
    } catch {
      // not there yet: keep polling until the deadline
    }
    if (Date.now() > deadline) return undefined
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * Test ports come from a block below the kernel's ephemeral range (32768-60999 here), chosen by process
 * id: a port from the ephemeral range can be taken a moment later as the source port of any process's
 * outgoing connection, and parallel test files (tap runs `jobs` at once) would otherwise draw from the same pool.
 */
const PORT_BLOCK_BASE = 10_000
const PORT_BLOCK_SIZE = 400
const PORT_BLOCKS = 50 // 10,000 .. 29,999
const portBlock = PORT_BLOCK_BASE + (process.pid % PORT_BLOCKS) * PORT_BLOCK_SIZE
let nextPortOffset = 0

/**
 * A TCP port that is free on `host` now and was not handed out before by this process (each port of the
 * process's block is tried once, in order). Bounded: throws when the block is used up.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const net = await import('node:net')
  while (nextPortOffset < PORT_BLOCK_SIZE) {
    const port = portBlock + nextPortOffset++
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer()
      srv.once('error', () => resolve(false))
      srv.listen(port, host, () => srv.close(() => resolve(true)))
    })
    if (free) return port
  }
  throw new Error(`no free port left in this process's block ${portBlock}-${portBlock + PORT_BLOCK_SIZE - 1} on ${host}`)
}

/** Config for one node of a two-node test cluster on 127.0.0.1: listens on `own`, peers with `peer`, no periodic pull. */
export function pairClusterConfig(own: number, peer: number, id: string, token: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cluster_enabled: true,
    cluster_listen_addr: `127.0.0.1:${own}`,
    cluster_peers: [`127.0.0.1:${peer}`],
    cluster_auth_token: token,
    cluster_node_id: id,
    cluster_sync_interval_seconds: 0,
    ...extra,
  }
}
