/** Builds ClusterManagers on a shared transport with fake stores, for cluster tests. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { ClusterManager, type ClusterDeps, type ClusterEvent, type ClusterSettings } from '../../src/cluster/manager.js'
import { encodeFrame, FrameDecoder } from '../../src/cluster/wire/codec.js'
import { parseMessage, type Message } from '../../src/cluster/wire/messages.js'
import type { Connection, Listener, Transport } from '../../src/cluster/transport/transport.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'
import { FakeRecordStore } from './fake-record-store.js'

export function clusterSettings(overrides: Partial<ClusterSettings> = {}): ClusterSettings {
  return {
    cluster_enabled: true,
    cluster_listen_addr: '127.0.0.1:0',
    cluster_advertise_addr: '',
    cluster_peers: [],
    cluster_auth_token: 'shared-token',
    cluster_node_id: '',
    cluster_sync_interval_seconds: 0,
    cluster_replica_only: false,
    cluster_reject_local_writes: false,
    cluster_admin: false,
    cluster_admin_token: '',
    cluster_sync_policy: 'lww_per_node',
    cluster_allowed_writer_node_ids: [],
    cluster_discovery_srv: '',
    cluster_discovery_interval_seconds: undefined,
    ...overrides,
  }
}

export interface TestNode {
  manager: ClusterManager
  store: FakeRecordStore
  settings: ClusterSettings
  events: ClusterEvent[]
  patches: Partial<ClusterSettings>[]
  statePath: string
  /** Resolves with the first event (already seen or future) matching `pred`; rejects after `timeoutMs`. */
  waitEvent(pred: (e: ClusterEvent) => boolean, timeoutMs?: number): Promise<ClusterEvent>
}

export function makeNode(
  transport: Transport,
  settings: Partial<ClusterSettings>,
  opts: { records?: DnsRecord[]; deps?: Partial<ClusterDeps>; store?: FakeRecordStore } = {},
): TestNode {
  const s = clusterSettings(settings)
  const store = opts.store ?? new FakeRecordStore(opts.records ?? [])
  const events: ClusterEvent[] = []
  const patches: Partial<ClusterSettings>[] = []
  const waiters = new Set<{ pred: (e: ClusterEvent) => boolean; resolve: (e: ClusterEvent) => void }>()
  const statePath = opts.deps?.statePath ?? join(mkdtempSync(join(tmpdir(), 'dnsplane-cluster-')), 'cluster_state.json')
  const manager = new ClusterManager({
    settings: () => s,
    updateSettings: async (patch) => {
      patches.push(patch)
      Object.assign(s, patch)
    },
    store,
    statePath,
    log: pino({ level: 'silent' }),
    transport,
    probeIntervalMs: 0,
    resolveSrv: async () => [],
    networkInterfaces: () => ({}),
    ...opts.deps,
  })
  manager.onEvent((e) => {
    events.push(e)
    for (const w of waiters) {
      if (w.pred(e)) {
        waiters.delete(w)
        w.resolve(e)
      }
    }
  })
  const waitEvent = (pred: (e: ClusterEvent) => boolean, timeoutMs = 5000) => {
    const seen = events.find(pred)
    if (seen) return Promise.resolve(seen)
    return new Promise<ClusterEvent>((resolve, reject) => {
      const w = {
        pred,
        resolve: (e: ClusterEvent) => {
          clearTimeout(timer)
          resolve(e)
        },
      }
      const timer = setTimeout(() => {
        waiters.delete(w)
        reject(new Error('timed out waiting for cluster event'))
      }, timeoutMs)
      waiters.add(w)
    })
  }
  return { manager, store, settings: s, events, patches, statePath, waitEvent }
}

let n = 0
export function rec(name: string, value: string, extra: Partial<DnsRecord> = {}): DnsRecord {
  n++
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    name,
    type: 'A',
    value,
    ttl: 300,
    added_on: '2025-01-01T10:00:00.5+01:00',
    updated_on: GO_ZERO_TIME,
    last_query: GO_ZERO_TIME,
    ...extra,
  }
}

/** Starts the nodes in order and stops them when the test ends. */
export async function startAll(t: { teardown: (fn: () => Promise<void>) => void }, ...nodes: TestNode[]): Promise<void> {
  for (const n of nodes) await n.manager.start()
  t.teardown(async () => {
    for (const n of nodes) await n.manager.stop()
  })
}

/** A raw connection to a node collecting every parsed frame it receives. */
export async function rawClient(net: Transport, addr: string): Promise<{ conn: Connection; got: Message[] }> {
  const conn = await net.dial(addr, { timeoutMs: 1000 })
  const dec = new FrameDecoder()
  const got: Message[] = []
  conn.onData((chunk) => {
    for (const f of dec.push(chunk)) {
      const m = parseMessage(f)
      if (m.ok) got.push(m.message)
    }
  })
  return { conn, got }
}

/**
 * A peer speaking only the original's protocol: auth_fail for anything but the plain token (then it
 * closes); records every frame it receives. With `answerPulls`, a pull gets an empty records_full.
 */
export async function goShapedPeer(
  net: Transport,
  addr: string,
  token: string,
  opts: { answerPulls?: boolean } = {},
): Promise<{ frames: Message[]; listener: Listener }> {
  const frames: Message[] = []
  const listener = await net.listen(addr, (conn) => {
    const dec = new FrameDecoder()
    let authed = false
    conn.onData((chunk) => {
      for (const f of dec.push(chunk)) {
        const m = parseMessage(f)
        if (!m.ok) continue
        frames.push(m.message)
        if (authed) {
          if (opts.answerPulls && m.message.type === 'pull') {
            void conn.write(encodeFrame('{"type":"records_full","node_id":"go","seq":0,"records":null}'))
          }
          continue
        }
        if (m.message.type === 'auth' && m.message.token === token) {
          authed = true
          void conn.write(encodeFrame('{"type":"auth_ok"}'))
        } else {
          void conn.write(encodeFrame('{"type":"auth_fail","message":"unauthorized"}')).then(() => conn.close())
        }
      }
    })
  })
  return { frames, listener }
}
