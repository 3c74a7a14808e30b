/** A fake EngineContext for unit tests of the sync engines: in-memory store, real NodeState in a temp dir, recorded events and queues. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import type { ClusterEvent } from '../../src/cluster/events.js'
import { NodeState } from '../../src/cluster/node-state.js'
import { Outbox } from '../../src/cluster/peers/outbox.js'
import { PeerTracker } from '../../src/cluster/peers/peer-tracker.js'
import type { EngineContext } from '../../src/cluster/sync/engine.js'
import type { Session } from '../../src/cluster/session/dialer.js'
import { parseMessage, type Message } from '../../src/cluster/wire/messages.js'
import type { DnsRecord } from '../../src/store/record.js'
import { clusterSettings } from './cluster-node.js'

export async function engineContext(
  t: { teardown: (fn: () => Promise<void>) => void },
  opts: { records?: DnsRecord[]; readOnlySource?: boolean; peers?: string[] } = {},
) {
  const dir = await mkdtemp(join(tmpdir(), 'engine-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const log = pino({ level: 'silent' })
  const state = new NodeState(join(dir, 'cluster_state.json'), log)
  await state.load('node-a', (n) => Buffer.alloc(n, 1))
  let records: readonly DnsRecord[] = opts.records ?? []
  const events: ClusterEvent[] = []
  const store = {
    list: () => records,
    onChange: () => () => {},
    replaceAll: async (next: readonly DnsRecord[]) => {
      records = next
    },
  }
  const outbox = new Outbox({ deliver: async () => {}, isRunning: () => false, onSnapshotTooLarge: () => {}, emit: () => {}, track: () => {}, log, random: (n) => Buffer.alloc(n) })
  const cx: EngineContext = {
    settings: () => clusterSettings({ cluster_enabled: true, cluster_auth_token: 'shared-token-long-enough-1234' }),
    store: store as never,
    readOnlySource: opts.readOnlySource === true,
    state,
    tracker: new PeerTracker(),
    outbox,
    peers: () => opts.peers ?? [],
    log,
    now: () => 1_700_000_000_000,
    emit: (e) => events.push(e),
    parse: (f) => parseMessage(f),
    mayPush: () => true,
    isRunning: () => true,
    token: () => 'shared-token-long-enough-1234',
  }
  return { cx, events, records: () => records }
}

/** A session whose peer answers each frame with `answer(frame)` (undefined: no answer); records what was sent and whether it closed. */
export function fakeSession(caps: string[], answer: (m: Message) => Message | undefined = () => undefined) {
  const sent: Message[] = []
  const replies: Buffer[] = []
  let closed = false
  const ch = {
    send: async (m: Message) => {
      sent.push(m)
      const reply = answer(m)
      if (reply) replies.push(Buffer.from(JSON.stringify(reply)))
    },
    next: async () => {
      const r = replies.shift()
      if (!r) throw Object.assign(new Error('no reply'), { code: 'ERR_PEER_UNREACHABLE' })
      return r
    },
    close: () => void (closed = true),
    destroy: () => void (closed = true),
  }
  const session: Session = { ch: ch as never, caps, close: () => void (closed = true) }
  return { session, ch, sent, isClosed: () => closed }
}
