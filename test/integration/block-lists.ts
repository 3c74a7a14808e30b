import t from 'tap'
import { mkdtemp, rename, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { queryUdp } from '../helpers/dns-client.js'
import { recordsOf } from '../helpers/dns-packet.js'
import { startTestNode, waitFor } from '../helpers/daemon.js'

const records = { records: [{ name: 'www.example.net', type: 'A', value: '198.51.100.7', ttl: 120 }, { name: 'mine.example.net', type: 'A', value: '198.51.100.8', ttl: 120 }] }
const first = (p: Awaited<ReturnType<typeof queryUdp>>) => recordsOf(p.answers)[0]?.data

t.test('a node with adblock_list_files answers listed names 0.0.0.0 / :: and re-reads a changed list', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-block-'))
  const hosts = join(dir, 'hosts.txt')
  const plain = join(dir, 'plain.txt')
  await writeFile(hosts, '# hosts\n0.0.0.0 ads.example.com\n127.0.0.1 mine.example.net\n')
  await writeFile(plain, 'tracker.example.org\n')
  const node = await startTestNode({ adblock_list_files: [hosts, plain] }, { dir, records })
  t.teardown(() => node.daemon.stop())

  const a = await queryUdp(node.dnsPort, 'ads.example.com', 'A')
  t.equal(first(a), '0.0.0.0', 'hosts-format name blocked')
  t.equal(recordsOf(a.answers)[0]?.ttl, 300)
  t.equal(first(await queryUdp(node.dnsPort, 'Tracker.Example.org', 'AAAA')), '::', 'plain-list name blocked, any case')
  const mx = await queryUdp(node.dnsPort, 'ads.example.com', 'MX')
  t.equal(mx.rcode, 'NOERROR')
  t.same(mx.answers, [], 'other types: NODATA')
  t.equal(first(await queryUdp(node.dnsPort, 'www.example.net', 'A')), '198.51.100.7', 'unlisted name answered normally')
  t.equal(first(await queryUdp(node.dnsPort, 'mine.example.net', 'A')), '198.51.100.8', 'a local record wins over the list')
  const sub = await queryUdp(node.dnsPort, 'sub.ads.example.com', 'A', 4000)
  t.not(first(sub), '0.0.0.0', 'subdomains are not blocked (exact names)')

  // replace the file by rename, as config management does: the poll sees it
  await writeFile(join(dir, 'next.txt'), 'www.example.org\n')
  await rename(join(dir, 'next.txt'), plain)
  const blocked = await waitFor(async () => first(await queryUdp(node.dnsPort, 'www.example.org', 'A', 4000)) === '0.0.0.0', 15_000)
  t.ok(blocked, 'a name added to the list is blocked after the reload')
  const unblocked = await queryUdp(node.dnsPort, 'tracker.example.org', 'A', 4000)
  t.not(first(unblocked), '0.0.0.0', 'a name removed from the list is no longer blocked')
  const res = await fetch(`http://127.0.0.1:${node.apiPort}/metrics`)
  const n = Number(/^dnsplane_blocks_total (\d+)/m.exec(await res.text())?.[1])
  t.ok(n >= 4, `blocked answers counted (dnsplane_blocks_total ${n})`)
})
