/**
 * Issue #10 item 16: a new node with clustering on starts with an empty records file (the demo
 * record would replicate into the cluster and come back after being deleted); a standalone node
 * keeps the demo record the README quick start queries.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { freePort, pairClusterConfig, startTestNode, waitFor } from '../helpers/daemon.js'
import { queryUdp } from '../helpers/dns-client.js'

const recordsOnDisk = async (dir: string) => (JSON.parse(await readFile(join(dir, 'dnsrecords.json'), 'utf8')) as { records: unknown[] | null }).records ?? []

for (const policy of ['record_lww', 'lww_per_node']) {
  t.test(`${policy}: a new cluster node creates an empty records file and serves no demo record`, async (t) => {
    const node = await startTestNode(pairClusterConfig(await freePort(), await freePort(), 'fresh-node', 'fresh-node-token-1234', { cluster_sync_policy: policy }))
    t.teardown(() => node.daemon.stop())
    t.same(await recordsOnDisk(node.dir), [], 'dnsrecords.json created empty')
    t.same(node.daemon.records.list(), [])
    const answer = await queryUdp(node.dnsPort, 'example.com', 'A')
    t.notOk((answer.answers ?? []).some((a) => (a as { data?: unknown }).data === '93.184.216.34'), 'the demo record is not served')
  })
}

t.test('a new standalone node keeps the demo record (README quick start)', async (t) => {
  const node = await startTestNode()
  t.teardown(() => node.daemon.stop())
  t.match(await recordsOnDisk(node.dir), [{ name: 'example.com', type: 'A', value: '93.184.216.34' }])
  const answer = await queryUdp(node.dnsPort, 'example.com', 'A')
  t.equal((answer.answers?.[0] as { data?: unknown } | undefined)?.data, '93.184.216.34')
})

t.test('lww_per_node: a new node joining a cluster and writing does not bring the demo record back', async (t) => {
  const [pa, pb] = [await freePort(), await freePort()]
  const token = 'fresh-node-token-1234'
  const policy = { cluster_sync_policy: 'lww_per_node' }
  // The cluster deleted the demo record long ago: A holds only its own record.
  const a = await startTestNode(pairClusterConfig(pa, pb, 'node-a', token, policy), { records: { records: [{ name: 'kept.lab.test', type: 'A', value: '192.0.2.1', ttl: 60 }] } })
  t.teardown(() => a.daemon.stop())
  const b = await startTestNode(pairClusterConfig(pb, pa, 'node-b', token, policy))
  t.teardown(() => b.daemon.stop())
  await b.daemon.records.add({ name: 'new.lab.test', type: 'A', value: '192.0.2.2' })
  const names = () => a.daemon.records.list().map((r) => r.name).sort()
  t.ok(await waitFor(() => names().includes('new.lab.test'), 5000), 'A applied B\'s snapshot')
  t.notOk(names().includes('example.com'), 'the demo record did not come back with it')
})
