import { pino } from 'pino'
import t from 'tap'
import { NodeState } from '../../../src/cluster/node-state.js'
import { emptyState } from '../../../src/cluster/peers/peer-state.js'
import { Dialer } from '../../../src/cluster/session/dialer.js'
import { MemoryTransport } from '../../../src/cluster/transport/memory-transport.js'
import { CAP_CHALLENGE, parseMessage, type Message } from '../../../src/cluster/wire/messages.js'
import { goShapedPeer } from '../../helpers/cluster-node.js'

const TOKEN = 'shared-token-long-enough-1234'
const tokensSent = (frames: Message[]) => frames.filter((m) => m.type === 'auth').map((m) => (m.type === 'auth' ? m.token : ''))

function dialer(net: MemoryTransport, opts: { plain?: boolean; knownChallengeAddress?: string } = {}) {
  const log = pino({ level: 'silent' })
  const state = new NodeState('/nonexistent/cluster_state.json', log)
  if (opts.knownChallengeAddress) state.set({ ...emptyState('node-a'), challenge_peers: { addresses: [opts.knownChallengeAddress], node_ids: [] } })
  const announced: string[] = []
  const d = new Dialer({
    transport: net,
    state,
    knownNodeId: () => undefined,
    onAnnounced: (peer, info) => {
      announced.push(peer)
      return { caps: info.caps ?? [], nodeId: info.node_id }
    },
    log,
    now: () => 1_000,
    random: (n) => Buffer.alloc(n, 7),
    maxFrameBytes: 1 << 20,
    token: () => TOKEN,
    plainTokenAllowed: () => opts.plain !== false,
    ownCaps: () => [CAP_CHALLENGE],
    signal: () => new AbortController().signal,
    emit: () => {},
    parse: (f) => parseMessage(f),
  })
  return { d, announced }
}

t.test('a Go peer refuses the challenge request; this attempt falls back to the plain token and authenticates', async (t) => {
  const net = new MemoryTransport()
  const go = await goShapedPeer(net, 'go:1', TOKEN)
  t.teardown(() => go.listener.close())
  const { d, announced } = dialer(net)
  const session = await d.dial('go:1', 1000, 5000)
  t.same(session.caps, [], 'a Go peer announces nothing')
  session.close()
  t.same(tokensSent(go.frames), ['', TOKEN], 'challenge request first, the plain token only after its refusal')
  t.same(announced, ['go:1'])
})

t.test('no fallback when cluster_allow_plain_token is false: the token never leaves', async (t) => {
  const net = new MemoryTransport()
  const go = await goShapedPeer(net, 'go:1', TOKEN)
  t.teardown(() => go.listener.close())
  const { d } = dialer(net, { plain: false })
  await t.rejects(d.dial('go:1', 1000, 5000), { code: 'ERR_AUTH_FAILED', message: /cluster_allow_plain_token is false/ })
  t.same(tokensSent(go.frames), [''])
})

t.test('no fallback to a peer that announced challenge auth before (a downgrade)', async (t) => {
  const net = new MemoryTransport()
  const go = await goShapedPeer(net, 'go:1', TOKEN)
  t.teardown(() => go.listener.close())
  const { d } = dialer(net, { knownChallengeAddress: 'go:1' })
  await t.rejects(d.dial('go:1', 1000, 5000), { code: 'ERR_AUTH_FAILED', message: /announced challenge auth before/ })
  t.same(tokensSent(go.frames), [''])
})

t.test('an address nobody listens on is ERR_PEER_UNREACHABLE', async (t) => {
  const { d } = dialer(new MemoryTransport())
  await t.rejects(d.dial('nobody:1', 1000, 5000), { code: 'ERR_PEER_UNREACHABLE' })
  d.destroyAll()
})

t.test('rearm restarts the whole-connection deadline (a pooled session between deliveries)', async (t) => {
  const net = new MemoryTransport()
  const go = await goShapedPeer(net, 'go:1', TOKEN)
  t.teardown(() => go.listener.close())
  const { d } = dialer(net)
  const session = await d.dial('go:1', 1000, 60_000)
  t.ok(session.rearm, 'a dialled session can be rearmed')
  session.rearm?.(1)
  await new Promise<void>((resolve) => session.ch.conn.onClose(() => resolve()))
  t.ok(session.ch.conn.closed, 'the new, shorter deadline closed it')
  session.rearm?.(60_000)
  t.pass('rearming a closed session starts no timer (the test ends by itself)')
})
