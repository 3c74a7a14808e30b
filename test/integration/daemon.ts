import t from 'tap'
import { chmod, readFile, stat, writeFile, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import http from 'node:http'
import dgram from 'node:dgram'
import net from 'node:net'
import { startTestNode, waitFor } from '../helpers/daemon.js'
import { queryTcp, queryUdp } from '../helpers/dns-client.js'
import { recordsOf } from '../helpers/dns-packet.js'

function unixGet(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path, method: 'GET', timeout: 2000 }, (res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.end()
  })
}

const existing = { records: [{ name: 'kept.example.net', type: 'A', value: '198.51.100.7', ttl: 120 }] }

t.test('a node keeps an existing records file, creates the missing servers file, and answers over UDP and TCP', async (t) => {
  const node = await startTestNode({}, { records: existing })
  t.teardown(() => node.daemon.stop())
  const before = JSON.stringify(existing)
  t.equal(await readFile(join(node.dir, 'dnsrecords.json'), 'utf8'), before, 'records file untouched')
  t.ok((await stat(join(node.dir, 'dnsservers.json'))).isFile(), 'dnsservers.json created')
  const udp = await queryUdp(node.dnsPort, 'KEPT.example.net', 'A')
  t.equal(recordsOf(udp.answers)[0]?.data, '198.51.100.7')
  t.ok(udp.flags! & (1 << 10), 'AA set')
  const tcp = await queryTcp(node.dnsPort, 'kept.example.net', 'A')
  t.equal(recordsOf(tcp.answers)[0]?.data, '198.51.100.7')
  t.equal(recordsOf(tcp.answers)[0]?.ttl, 120)
})

t.test('a record added through the API is answered over DNS at once and in dnsrecords.json within the flush delay', async (t) => {
  const node = await startTestNode()
  t.teardown(() => node.daemon.stop())
  const res = await fetch(`http://127.0.0.1:${node.apiPort}/dns/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'api.example.org', type: 'A', value: '192.0.2.55', ttl: 60 }),
  })
  t.equal(res.status, 201)
  // Acknowledged once in the journal; the file follows within records_flush_delay_ms (docs/storage.md).
  const saved = await waitFor(async () => {
    const file = JSON.parse(await readFile(join(node.dir, 'dnsrecords.json'), 'utf8')) as { records: { name: string; id?: string }[] }
    return file.records.find((r) => r.name === 'api.example.org')
  }, 5000)
  t.ok(saved, 'persisted')
  t.match(saved?.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'UUID v4 assigned')
  const answer = await queryUdp(node.dnsPort, 'api.example.org', 'A')
  t.equal(recordsOf(answer.answers)[0]?.data, '192.0.2.55')
})

t.test('a record added through the API to a read-only records file is refused with 403, and the file is kept', async (t) => {
  const node = await startTestNode()
  t.teardown(() => node.daemon.stop())
  const path = join(node.dir, 'dnsrecords.json')
  await chmod(path, 0o444)
  const before = await readFile(path, 'utf8')
  const res = await fetch(`http://127.0.0.1:${node.apiPort}/dns/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'ro.example.org', type: 'A', value: '192.0.2.56', ttl: 60 }),
  })
  t.equal(res.status, 403)
  t.match(await res.text(), /read-only/)
  t.equal(await readFile(path, 'utf8'), before, 'not replaced')
  t.equal((await stat(path)).mode & 0o777, 0o444, 'still the operator\'s read-only file')
  t.equal((await queryUdp(node.dnsPort, 'ro.example.org', 'A')).answers?.length ?? 0, 0, 'not served either')
})

t.test('the control socket serves the API without a token and is mode 0600', async (t) => {
  const node = await startTestNode({ api_auth_token: 'secret-token-1234' })
  t.teardown(() => node.daemon.stop())
  const viaSocket = await unixGet(node.daemon.socketPath, '/dns/records')
  t.equal(viaSocket.status, 200)
  t.match(JSON.parse(viaSocket.body), { records: Array })
  t.equal((await stat(node.daemon.socketPath)).mode & 0o777, 0o600)
  const viaTcp = await fetch(`http://127.0.0.1:${node.apiPort}/dns/records`)
  t.equal(viaTcp.status, 401, 'TCP API needs the token')
  const withToken = await fetch(`http://127.0.0.1:${node.apiPort}/dns/records`, { headers: { authorization: 'Bearer secret-token-1234' } })
  t.equal(withToken.status, 200)
  t.notOk(node.logLines.some((l) => l.includes('secret-token-1234')), 'token never logged')
})

t.test('an external edit of the records file is served without a restart', async (t) => {
  const node = await startTestNode({}, { records: existing })
  t.teardown(() => node.daemon.stop())
  const edited = { records: [...existing.records, { name: 'edited.example.net', type: 'TXT', value: '"hello world"', ttl: 30 }] }
  await writeFile(join(node.dir, 'dnsrecords.json'), JSON.stringify(edited))
  const answer = await waitFor(async () => {
    const p = await queryUdp(node.dnsPort, 'edited.example.net', 'TXT', 500)
    return p.answers && p.answers.length > 0 ? p : undefined
  }, 5000)
  t.ok(answer, 'picked up within the bound')
  t.same((recordsOf(answer?.answers)[0]?.data as Buffer[]).map((b) => b.toString()), ['hello world'])
})

t.test('a records file that does not parse stops start-up and is left untouched', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-bad-'))
  const broken = '{"records": [ {"name": "x", "type": "A", '
  await writeFile(join(dir, 'dnsrecords.json'), broken)
  await t.rejects(startTestNode({}, { dir }), { code: 'ERR_RECORDS_PARSE' })
  t.equal(await readFile(join(dir, 'dnsrecords.json'), 'utf8'), broken)
})

t.test('a bad config value stops start-up naming the key', async (t) => {
  await t.rejects(startTestNode({ cluster_sync_interval_seconds: -5 }), { code: 'ERR_CONFIG_INVALID', message: /cluster_sync_interval_seconds/ })
})

t.test('a DNS port already in use stops start-up with an error that says which and how to change it', async (t) => {
  const blocker = dgram.createSocket('udp4')
  await new Promise<void>((resolve) => blocker.bind(0, '127.0.0.1', () => resolve()))
  t.teardown(() => blocker.close())
  const port = String(blocker.address().port)
  await t.rejects(startTestNode({ port }), { code: 'ERR_BIND_FAILED', message: new RegExp(`127\\.0\\.0\\.1.*${port}|${port}.*port`) })
})

t.test('a cluster port already in use stops start-up like a busy DNS or API port, naming address and key', async (t) => {
  const blocker = net.createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()))
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())))
  const port = (blocker.address() as net.AddressInfo).port
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-it-'))
  await t.rejects(
    startTestNode({ cluster_enabled: true, cluster_auth_token: 'a-long-enough-cluster-token', cluster_listen_addr: `127.0.0.1:${port}` }, { dir }),
    { code: 'ERR_BIND_FAILED', message: new RegExp(`127\\.0\\.0\\.1:${port} is already in use.*cluster_listen_addr`) },
  )
})

t.test('cluster status and join answer on a node with clustering off, and cluster_state.json exists', async (t) => {
  const node = await startTestNode()
  t.teardown(() => node.daemon.stop())
  const status = await fetch(`http://127.0.0.1:${node.apiPort}/api/v1/cluster`)
  t.equal(status.status, 200)
  const body = (await status.json()) as { status: { enabled: boolean; peers: unknown } }
  t.equal(body.status.enabled, false)
  t.equal(body.status.peers, null, 'the original shape: peers null when disabled')
  const join = await fetch(`http://127.0.0.1:${node.apiPort}/api/v1/cluster/join`)
  t.equal(join.status, 200)
  t.match(await join.json(), { node_id: /^node-[0-9a-f]{16}$/ })
  t.equal((await stat(statePath(node.dir))).mode & 0o777, 0o600, 'state file written with mode 0600')
})

function statePath(dir: string): string {
  return join(dir, 'cluster_state.json')
}
