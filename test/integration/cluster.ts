import t from 'tap'
import net from 'node:net'
import { startTestNode, waitFor, freePort, type TestNode } from '../helpers/daemon.js'
import { queryUdp } from '../helpers/dns-client.js'
import { recordsOf } from '../helpers/dns-packet.js'

const TOKEN = 'cluster-shared-secret-for-tests'

function clusterConfig(listenPort: number, extra: Record<string, unknown> = {}) {
  return {
    cluster_enabled: true,
    cluster_listen_addr: `127.0.0.1:${listenPort}`,
    cluster_auth_token: TOKEN,
    cluster_sync_interval_seconds: 0,
    ...extra,
  }
}

async function api(node: TestNode, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`http://127.0.0.1:${node.apiPort}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : undefined }
}

async function answers(node: TestNode, name: string, type = 'A'): Promise<string[]> {
  const p = await queryUdp(node.dnsPort, name, type, 500)
  return recordsOf(p.answers).map((a) => String(a.data))
}

async function startCluster(n: number, extra: Record<string, unknown> = {}) {
  const ports: number[] = []
  for (let i = 0; i < n; i++) ports.push(await freePort())
  const nodes: TestNode[] = []
  for (let i = 0; i < n; i++) {
    const peers = ports.filter((_, j) => j !== i).map((p) => `127.0.0.1:${p}`)
    nodes.push(await startTestNode(clusterConfig(ports[i], { cluster_peers: peers, cluster_node_id: `node-${i}`, ...extra })))
  }
  return { nodes, ports }
}

t.test('a record added through the API on one node is answered over DNS by the other two', async (t) => {
  const { nodes } = await startCluster(3)
  t.teardown(() => Promise.all(nodes.map((n) => n.daemon.stop())))
  const [a, b, c] = nodes
  const res = await api(a, 'POST', '/dns/records', { name: 'replicated.example.com', type: 'A', value: '192.0.2.77', ttl: 60 })
  t.equal(res.status, 201)
  for (const node of [b, c]) {
    const got = await waitFor(async () => ((await answers(node, 'replicated.example.com')).includes('192.0.2.77') ? true : undefined), 5000)
    t.ok(got, 'replicated and answered')
  }
  const idOnA = a.daemon.records.list().find((r) => r.name === 'replicated.example.com')?.id
  const idOnB = b.daemon.records.list().find((r) => r.name === 'replicated.example.com')?.id
  t.ok(idOnA)
  t.equal(idOnB, idOnA, 'record id kept through the apply')
  const status = await api(a, 'GET', '/api/v1/cluster')
  t.equal(status.status, 200)
  t.equal(status.json.node_id, 'node-0')
})

t.test('a stopped node catches up when it comes back, without periodic pull', async (t) => {
  const { nodes, ports } = await startCluster(2)
  const [a, b] = nodes
  t.teardown(() => a.daemon.stop())
  await b.daemon.stop()
  const res = await api(a, 'POST', '/dns/records', { name: 'while-down.example.com', type: 'A', value: '192.0.2.99' })
  t.equal(res.status, 201)
  const b2 = await startTestNode({}, { dir: b.dir })
  t.teardown(() => b2.daemon.stop())
  t.equal(b2.daemon.clusterAddress(), `127.0.0.1:${ports[1]}`)
  const caught = await waitFor(async () => ((await answers(b2, 'while-down.example.com')).includes('192.0.2.99') ? true : undefined), 10000)
  t.ok(caught, 'the failed push was retried once the peer was back')
})

t.test('wrong tokens, garbage and oversized frames are refused while the node keeps serving', async (t) => {
  const port = await freePort()
  const node = await startTestNode(clusterConfig(port), { records: { records: [{ name: 'still.example.com', type: 'A', value: '192.0.2.1', ttl: 60 }] } })
  t.teardown(() => node.daemon.stop())
  const exchange = (payload: Buffer) =>
    new Promise<Buffer>((resolve) => {
      const sock = net.connect(port, '127.0.0.1')
      const chunks: Buffer[] = []
      const timer = setTimeout(() => sock.destroy(), 3000)
      sock.on('connect', () => sock.write(payload))
      sock.on('data', (d) => chunks.push(d))
      sock.on('close', () => {
        clearTimeout(timer)
        resolve(Buffer.concat(chunks))
      })
      sock.on('error', () => undefined)
    })
  const frame = (obj: unknown) => {
    const body = Buffer.from(JSON.stringify(obj))
    const head = Buffer.alloc(4)
    head.writeUInt32BE(body.length)
    return Buffer.concat([head, body])
  }
  const wrong = await exchange(frame({ type: 'auth', token: 'not-the-token' }))
  t.match(wrong.subarray(4).toString(), /"type":"auth_fail"/)
  const garbage = await exchange(Buffer.concat([Buffer.from([0, 0, 0, 5]), Buffer.from('nope!')]))
  t.match(garbage.subarray(4).toString(), /"type":"error"/)
  const huge = Buffer.alloc(4)
  huge.writeUInt32BE(0xffffffff)
  const oversized = await exchange(huge)
  t.equal(oversized.length, 0, 'connection dropped without a reply')
  t.same(await answers(node, 'still.example.com'), ['192.0.2.1'], 'DNS still answers')
})

t.test('SRV discovery finds peers from a record our own node serves', async (t) => {
  const portA = await freePort()
  const portB = await freePort()
  const b = await startTestNode(clusterConfig(portB, { cluster_node_id: 'node-b' }))
  t.teardown(() => b.daemon.stop())
  const srvRecords = {
    records: [
      // The target is an address-shaped name so the dial needs no resolver of its own.
      { name: '_dnsplane._tcp.cluster.test', type: 'SRV', value: `0 5 ${portB} 127.0.0.1.`, ttl: 60 },
    ],
  }
  // Node A serves the SRV record itself and resolves discovery through its own DNS port.
  const dnsPortA = await freePort()
  const a = await startTestNode(
    clusterConfig(portA, { port: String(dnsPortA), cluster_node_id: 'node-a', cluster_discovery_srv: '_dnsplane._tcp.cluster.test', cluster_discovery_interval_seconds: 1 }),
    { records: srvRecords, srvResolverServers: [`127.0.0.1:${dnsPortA}`] },
  )
  t.teardown(() => a.daemon.stop())
  const status = await waitFor(async () => {
    const s = await api(a, 'GET', '/api/v1/cluster')
    return s.json.status.srv_peer_count === 1 ? s.json.status : undefined
  }, 5000)
  t.ok(status, 'one SRV peer found')
  t.match(status?.peers?.map((p: { address: string }) => p.address), [`127.0.0.1:${portB}`])
  await api(a, 'POST', '/dns/records', { name: 'via-srv.example.com', type: 'A', value: '192.0.2.42' })
  const got = await waitFor(async () => ((await answers(b, 'via-srv.example.com')).includes('192.0.2.42') ? true : undefined), 5000)
  t.ok(got, 'pushed to the discovered peer')
})
