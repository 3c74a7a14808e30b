import t from 'tap'
import { MemoryTransport } from '../../src/cluster/transport/memory-transport.js'
import { encodeFrame } from '../../src/cluster/wire/codec.js'
import { CAP_DNSSEC_KEYS } from '../../src/cluster/wire/messages.js'
import { makeNode, rawClient, startAll } from '../helpers/cluster-node.js'
import { waitFor } from '../helpers/daemon.js'

t.test('only a node with a key handler announces dnssec_keys/1; a node without one answers a pull with error', async (t) => {
  const net = new MemoryTransport()
  const signer = makeNode(net, { cluster_listen_addr: 's:1' }, { deps: { dnssecKeys: (zone) => ({ type: 'error', message: `asked for ${zone}` }) } })
  const plain = makeNode(net, { cluster_listen_addr: 'p:1' })
  await startAll(t, signer, plain)
  for (const [addr, announces, answer] of [['s:1', true, 'asked for example.test'], ['p:1', false, 'this node shares no DNSSEC keys']] as const) {
    const { conn, got } = await rawClient(net, addr)
    await conn.write(encodeFrame('{"type":"auth","token":"shared-token"}'))
    await conn.write(encodeFrame('{"type":"dnssec_keys_pull","zone":"example.test"}'))
    t.ok(await waitFor(() => got.length >= 2), `${addr}: two answers`)
    const ok = got[0]
    t.equal(ok.type, 'auth_ok')
    t.equal(ok.type === 'auth_ok' && (ok.caps ?? []).includes(CAP_DNSSEC_KEYS), announces, `${addr}: capability announced iff a signer`)
    t.same(got[1], { type: 'error', message: answer }, `${addr}: answer`)
    conn.destroy()
  }
})
