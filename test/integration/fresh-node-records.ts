/**
 * Issue #10 item 16: a new node with clustering on starts with an empty records file (the demo
 * record would replicate into the cluster and come back after being deleted); a standalone node
 * keeps the demo record the README quick start queries.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { freePort, pairClusterConfig, startTestNode } from '../helpers/daemon.js'
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
