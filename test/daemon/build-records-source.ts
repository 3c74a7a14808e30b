/** A node on a read-only records source: bind_dir serves its zone files and refuses writes; not with cluster_enabled. */
import t from 'tap'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestNode, waitFor } from '../helpers/daemon.js'

t.test('bind_dir: records served from the zone files, writes refused with 403', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-src-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const zones = join(dir, 'zones')
  await mkdir(zones)
  await writeFile(join(zones, 'example.com.db'), '$TTL 60\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n')
  const node = await startTestNode({ file_locations: { records_source: { type: 'bind_dir', location: zones } } }, { dir })
  t.teardown(() => node.daemon.stop())
  t.same(node.daemon.records.list().map((r) => r.name), ['example.com', 'example.com', 'ns1.example.com'])
  const res = await fetch(`http://127.0.0.1:${node.apiPort}/dns/records`, { method: 'POST', body: JSON.stringify({ name: 'x.example.com', type: 'A', value: '192.0.2.9' }) })
  t.equal(res.status, 403)
  const bulk = await fetch(`http://127.0.0.1:${node.apiPort}/api/v1/records/bulk`, { method: 'POST', body: '[]' })
  t.equal(bulk.status, 403)
})

t.test('a read-only source with cluster_enabled, or a url that is not one, stops the start', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-src-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await t.rejects(
    startTestNode({ cluster_enabled: true, cluster_auth_token: 'x'.repeat(32), file_locations: { records_source: { type: 'bind_dir', location: dir } } }, { dir }),
    /read-only and cannot be used with cluster_enabled/,
  )
  await t.rejects(startTestNode({ file_locations: { records_source: { type: 'url', location: 'not a url' } } }, { dir }), /is not a URL/)
})

t.test('bind_dir keys take effect: include_pattern picks the files, watch and refresh_interval_seconds pick up changes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-src-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const zones = join(dir, 'zones')
  await mkdir(zones)
  const zone = (host: string, ip: string) => `$TTL 60\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\n${host} A ${ip}\n`
  await writeFile(join(zones, 'example.com.db'), zone('ns1', '192.0.2.1'))
  await writeFile(join(zones, 'example.org.zone'), zone('ns1', '192.0.2.2'))
  const names = (n: { daemon: { records: { list(): readonly { name: string }[] } } }) => [...new Set(n.daemon.records.list().map((r) => r.name))].sort()

  const watched = await startTestNode({ file_locations: { records_source: { type: 'bind_dir', location: zones, include_pattern: '*.zone', watch: true, refresh_interval_seconds: 3600 } } }, { dir })
  t.teardown(() => watched.daemon.stop())
  t.same(names(watched), ['example.org', 'ns1.example.org'], 'include_pattern *.zone: the .db file is not read')
  await writeFile(join(zones, 'example.org.zone'), zone('www', '192.0.2.3'))
  const seen = await waitFor(() => names(watched).includes('www.example.org'), 10_000)
  t.ok(seen, 'watch: the edit is loaded without waiting for the hourly refresh')

  const polled = await startTestNode({ port: '0', file_locations: { records_source: { type: 'bind_dir', location: zones, include_pattern: '*.zone', watch: false, refresh_interval_seconds: 1 } } }, { dir: await mkdtemp(join(tmpdir(), 'dnsplane-src-')) })
  t.teardown(() => polled.daemon.stop())
  await writeFile(join(zones, 'example.org.zone'), zone('mail', '192.0.2.4'))
  t.ok(await waitFor(() => names(polled).includes('mail.example.org'), 10_000), 'refresh_interval_seconds 1: re-read within seconds')

  await writeFile(join(zones, 'named.conf'), 'zone "example.net" IN { type master; file "net.txt"; };\n')
  await writeFile(join(zones, 'net.txt'), '$TTL 60\nhost A 192.0.2.5\n')
  const conf = await startTestNode({ file_locations: { records_source: { type: 'bind_dir', location: zones, named_conf: 'named.conf' } } }, { dir: await mkdtemp(join(tmpdir(), 'dnsplane-src-')) })
  t.teardown(() => conf.daemon.stop())
  t.same(names(conf), ['host.example.net'], 'named_conf: the zones it names, not the glob')
})
