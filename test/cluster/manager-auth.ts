/**
 * Cluster authentication through real ClusterManagers on the in-memory transport (issue #10
 * items 4-6): the plain-token fallback is per connection and never goes to a peer that announced
 * challenge auth, an unauthenticated client never receives a token-derived proof, abandoned
 * handshakes count as failed auths, weak tokens are reported and a blank token is refused.
 */
import { readFileSync } from 'node:fs'
import { pino } from 'pino'
import t from 'tap'
import { isNonce, newNonce } from '../../src/cluster/session/auth-challenge.js'
import { encodeFrame, FrameDecoder } from '../../src/cluster/wire/codec.js'
import { MemoryTransport } from '../../src/cluster/transport/memory-transport.js'
import { parseMessage, type Message } from '../../src/cluster/wire/messages.js'
import type { Connection, Listener } from '../../src/cluster/transport/transport.js'
import { waitFor } from '../helpers/daemon.js'
import { makeNode, type TestNode, startAll, rawClient, goShapedPeer } from '../helpers/cluster-node.js'

const TOKEN = 'shared-token-long-enough-1234'

const plainAuths = (frames: Message[]) => frames.filter((m) => m.type === 'auth' && m.token !== '')
const tokensSent = (frames: Message[]) => frames.filter((m) => m.type === 'auth').map((m) => (m.type === 'auth' ? m.token : ''))

t.test('item 4: the plain-token fallback is decided per connection attempt, never remembered', async (t) => {
  const net = new MemoryTransport()
  const go = await goShapedPeer(net, 'go:1', TOKEN, { answerPulls: true })
  t.teardown(() => go.listener.close())
  const a = makeNode(net, { cluster_auth_token: TOKEN, cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['go:1'] })
  await startAll(t, a)
  t.same((await a.manager.pull()).map((r) => r.ok), [true], 'first pull: fallback to the plain token works with a Go peer')
  t.same((await a.manager.pull()).map((r) => r.ok), [true], 'second pull works too')
  // Each connection first asks for the challenge; the plain token only follows a refusal on that attempt.
  t.same(tokensSent(go.frames), ['', TOKEN, '', TOKEN])
})

t.test('item 4: a peer that once announced challenge auth never gets the plain token (downgrade), also after a restart', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { cluster_auth_token: TOKEN, cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] })
  const b = makeNode(net, { cluster_auth_token: TOKEN, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1', cluster_peers: [] })
  await startAll(t, a, b)
  t.same((await a.manager.pull()).map((r) => r.ok), [true], 'A authenticated to B by challenge')
  await b.manager.stop()
  // An attacker now answers at B's address like a Go node, to make A fall back to the plain token.
  const fake = await goShapedPeer(net, 'b:1', TOKEN, { answerPulls: true })
  t.teardown(() => fake.listener.close())
  const [res] = await a.manager.pull()
  t.equal(res.ok, false, 'the pull fails')
  t.match(res.error ?? '', /announced challenge auth/)
  t.same(plainAuths(fake.frames), [], 'the token was never sent in clear')
  const stored = JSON.parse(readFileSync(a.statePath, 'utf8')) as { challenge_peers?: { addresses: string[]; node_ids: string[] } }
  t.same(stored.challenge_peers, { addresses: ['b:1'], node_ids: ['node-b'] }, 'remembered in cluster_state.json')
  // A restarted A (same state file) still refuses.
  await a.manager.stop()
  const a2 = makeNode(net, { cluster_auth_token: TOKEN, cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] }, { deps: { statePath: a.statePath } })
  await startAll(t, a2)
  t.equal((await a2.manager.pull())[0].ok, false)
  t.same(plainAuths(fake.frames), [], 'not after the restart either')
})

t.test('item 5: an unauthenticated client never receives a token-derived proof, whatever challenge request it sends', async (t) => {
  const net = new MemoryTransport()
  const b = makeNode(net, { cluster_auth_token: TOKEN, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' })
  await startAll(t, b)
  const nonce = newNonce(() => Buffer.alloc(32, 7))
  const requests = [
    `{"type":"auth","token":"","node_id":"evil","caps":["challenge/2"],"clock_unix_ms":1}`,
    `{"type":"auth","token":"","node_id":"evil","caps":["challenge/1"],"nonce":"${nonce}","clock_unix_ms":1}`,
    `{"type":"auth","token":"","node_id":"evil","caps":["challenge/1","challenge/2"],"nonce":"${nonce}","clock_unix_ms":1}`,
  ]
  for (const req of requests) {
    const { conn, got } = await rawClient(net, 'b:1')
    await conn.write(encodeFrame(req))
    t.ok(await waitFor(() => got.length >= 1), req)
    for (const m of got) t.notOk('proof' in m, `${m.type}: carries no proof`)
    conn.destroy()
  }
  const { conn, got } = await rawClient(net, 'b:1')
  await conn.write(encodeFrame(requests[0]))
  await waitFor(() => got.length >= 1)
  t.equal(got[0].type, 'auth_challenge')
  t.ok(got[0].type === 'auth_challenge' && isNonce(got[0].nonce), 'only a nonce')
  // A wrong proof gets auth_fail, still without anything token-derived.
  await conn.write(encodeFrame(`{"type":"auth_response","nonce":"${nonce}","proof":"${'A'.repeat(43)}"}`))
  t.ok(await waitFor(() => got.length >= 2))
  t.same(got[1], { type: 'auth_fail', message: 'unauthorized' })
  conn.destroy()
})

t.test('item 5: handshakes abandoned after the challenge count as failed auths and block the source', async (t) => {
  const net = new MemoryTransport()
  const b = makeNode(net, { cluster_auth_token: TOKEN, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' }, { deps: { limits: { maxFailedAuthsPerIp: 3 } } })
  await startAll(t, b)
  for (let i = 0; i < 3; i++) {
    const { conn, got } = await rawClient(net, 'b:1')
    await conn.write(encodeFrame('{"type":"auth","token":"","node_id":"evil","caps":["challenge/2"]}'))
    t.ok(await waitFor(() => got.length >= 1), `challenge ${i + 1} received`)
    conn.destroy() // leave with the challenge, to guess offline
    t.ok(await waitFor(() => b.events.filter((e) => e.kind === 'auth_failure' && e.reason === 'abandoned').length === i + 1), `abandon ${i + 1} counted`)
  }
  await rawClient(net, 'b:1')
  t.ok(await waitFor(() => b.events.some((e) => e.kind === 'connection_refused' && e.reason === 'source_blocked')), 'the source is blocked')
})

t.test('item 5: a client silent after the challenge times out and counts as one failed auth', async (t) => {
  const net = new MemoryTransport()
  const b = makeNode(net, { cluster_auth_token: TOKEN, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' }, { deps: { limits: { authTimeoutMs: 100 } } })
  await startAll(t, b)
  const { conn, got } = await rawClient(net, 'b:1')
  await conn.write(encodeFrame('{"type":"auth","token":"","node_id":"evil","caps":["challenge/2"]}'))
  t.ok(await waitFor(() => got.length >= 1 && conn.closed), 'challenged, then closed by the server')
  const failures = b.events.filter((e) => e.kind === 'auth_failure')
  t.same(failures.map((e) => e.kind === 'auth_failure' && e.reason), ['timeout'], 'counted once')
})

t.test('item 5: a node warns at start when its cluster token is short or the documentation example', async (t) => {
  for (const [token, want] of [
    ['short-tok', /shorter than 16 characters/],
    ['change-me-shared-secret', /example value/],
    [TOKEN, undefined],
  ] as const) {
    const lines: string[] = []
    const log = pino({ level: 'warn' }, { write: (s: string) => lines.push(s) })
    const n = makeNode(new MemoryTransport(), { cluster_auth_token: token, cluster_node_id: 'n', cluster_listen_addr: 'n:1' }, { deps: { log } })
    await startAll(t, n)
    const warned = lines.filter((l) => /cluster_auth_token/.test(l))
    if (want) t.match(warned.join('\n'), want, token)
    else t.same(warned, [], 'a long token: no warning')
    t.notOk(lines.some((l) => l.includes(token)), 'the token itself is never logged')
  }
})

t.test('item 6: admin_config_apply refuses a blank or short cluster token and keeps the current one', async (t) => {
  const net = new MemoryTransport()
  const b = makeNode(net, { cluster_auth_token: TOKEN, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1', cluster_admin_token: 'adm-secret-1234' })
  await startAll(t, b)
  for (const bad of ['      ', ' \t ', 'short']) {
    const { conn, got } = await rawClient(net, 'b:1')
    await conn.write(encodeFrame(`{"type":"auth","token":"${TOKEN}"}`))
    await conn.write(encodeFrame(JSON.stringify({ type: 'admin_config_apply', admin_token: 'adm-secret-1234', cluster_auth_token: bad })))
    t.ok(await waitFor(() => got.length >= 2), JSON.stringify(bad))
    t.equal(got[1].type, 'admin_config_fail', `${JSON.stringify(bad)} refused`)
    t.match((got[1] as { message?: string }).message ?? '', /^cluster_auth_token: /)
    conn.destroy()
  }
  t.same(b.patches, [], 'nothing was applied')
  t.equal(b.settings.cluster_auth_token, TOKEN)
  // A valid token with surrounding spaces is stored trimmed.
  const { conn, got } = await rawClient(net, 'b:1')
  await conn.write(encodeFrame(`{"type":"auth","token":"${TOKEN}"}`))
  await conn.write(encodeFrame(JSON.stringify({ type: 'admin_config_apply', admin_token: 'adm-secret-1234', cluster_auth_token: '  new-token-0123456789  ' })))
  t.ok(await waitFor(() => got.length >= 2))
  t.equal(got[1].type, 'admin_config_ok')
  t.same(b.patches, [{ cluster_auth_token: 'new-token-0123456789' }])
  conn.destroy()
})
