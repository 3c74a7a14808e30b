/**
 * Zone transfers against the real tools: kdig AXFR and IXFR=<serial> get the zone and its increments, a
 * real knotd configured as a secondary of a dnsplane node gets NOTIFY, transfers the zone and follows a
 * change by IXFR. Skips the knotd part when knotd is missing, everything when kdig is missing.
 */
import t from 'tap'
import { execFile, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, startTestNode, waitFor, type TestNode } from '../helpers/daemon.js'
import { startKnotd, stopProcess } from '../helpers/knot-zones.js'

const run = promisify(execFile)
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim() !== ''
const WAIT_MS = 20_000
const at = new Date().toISOString()
const rec = (name: string, type: string, value: string, ttl = 300) => ({ name, type, value, ttl, added_on: at, updated_on: at, last_query: at })
const ZONE = [
  rec('example.org', 'SOA', 'ns1.example.org. hostmaster.example.org. 1 3600 900 604800 300'),
  rec('example.org', 'NS', 'ns1.example.org.'),
  rec('ns1.example.org', 'A', '192.0.2.1'),
  rec('www.example.org', 'A', '192.0.2.2'),
  rec('example.org', 'MX', '10 mail.example.org.'),
  rec('mail.example.org', 'A', '192.0.2.3'),
  rec('outside.test', 'A', '198.51.100.1'), // not in a zone: never transferred
]

/** kdig's output (stdout, and stderr on failure) against `port`. */
async function kdig(port: number, ...args: string[]): Promise<string> {
  try {
    return (await run('kdig', ['@127.0.0.1', '-p', String(port), '+time=3', '+retry=0', ...args])).stdout
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string }
    return (e.stdout ?? '') + (e.stderr ?? '')
  }
}

async function serialOf(port: number, zone: string): Promise<number | undefined> {
  const out = (await kdig(port, '+short', 'SOA', zone)).trim().split(/\s+/)
  return out.length === 7 ? Number(out[2]) : undefined
}

/** The RR lines of a kdig transfer (no comments), whitespace folded. */
function rrLines(out: string): string[] {
  return out.split('\n').filter((l) => l.trim() && !l.startsWith(';')).map((l) => l.trim().split(/\s+/).join(' '))
}

if (!has('kdig')) {
  t.comment('kdig not installed (Debian package knot-dnsutils): skipping zone transfer tests')
  t.pass('skipped: kdig missing')
} else {
  t.test('kdig AXFR returns the zone; IXFR=<serial> the increments; UDP IXFR the SOA; refusals', { timeout: 60_000 }, async (t) => {
    const node = await startTestNode({ axfr_enabled: true, axfr_allowed_networks: ['127.0.0.0/8', '::1'] }, { records: { records: ZONE } })
    t.teardown(() => node.daemon.stop())
    const axfr = rrLines(await kdig(node.dnsPort, 'AXFR', 'example.org'))
    const s0 = await serialOf(node.dnsPort, 'example.org')
    t.ok(s0 !== undefined && s0 > 1_700_000_000, `serial ${s0} is unix time (the records' updated_on)`)
    t.equal(axfr.length, 7, 'SOA, 5 RRs, SOA')
    t.match(axfr[0], new RegExp(`^example\\.org\\. 300 IN SOA ns1\\.example\\.org\\. hostmaster\\.example\\.org\\. ${s0} `))
    t.equal(axfr[6], axfr[0], 'ends with the same SOA')
    t.ok(axfr.some((l) => l === 'www.example.org. 300 IN A 192.0.2.2'))
    t.notOk(axfr.some((l) => l.includes('outside.test')), 'names outside the zone are not sent')

    await node.daemon.records.add({ name: 'new.example.org', type: 'A', value: '192.0.2.9', ttl: 60 })
    await node.daemon.records.remove({ name: 'www.example.org' })
    const s2 = await serialOf(node.dnsPort, 'example.org')
    t.ok(s2 !== undefined && s0 !== undefined && s2 >= s0 + 2, `two changes moved the serial twice (${s0} -> ${s2})`)
    const ixfr = rrLines(await kdig(node.dnsPort, `IXFR=${s0}`, 'example.org'))
    const texts = ixfr.map((l) => l.split(' ').slice(3).join(' '))
    const shape = texts.map((x) => (x.startsWith('SOA') ? 'SOA ' + x.split(' ')[3] : x))
    const mid = Number(shape[2]?.split(' ')[1])
    t.ok(mid > s0! && mid < s2!, `the intermediate serial ${mid} lies between`)
    t.same(shape, [`SOA ${s2}`, `SOA ${s0}`, `SOA ${mid}`, 'A 192.0.2.9', `SOA ${mid}`, 'A 192.0.2.2', `SOA ${s2}`, `SOA ${s2}`],
      'RFC 1995 4: new SOA, then per change old SOA, deletions, new SOA, additions; new SOA again')
    t.same(rrLines(await kdig(node.dnsPort, `IXFR=${s2}`, 'example.org')).length, 1, 'a current client gets the SOA alone')
    const old = rrLines(await kdig(node.dnsPort, 'IXFR=5', 'example.org'))
    t.equal(old.length, 7, 'a serial outside the history gets the whole zone (RFC 1995 4)')
    const udp = rrLines(await kdig(node.dnsPort, '+notcp', `IXFR=${s0}`, 'example.org'))
    t.equal(udp.length, 1, 'IXFR over UDP: the SOA alone (RFC 1995 2)')
    t.match(await kdig(node.dnsPort, 'AXFR', 'nope.org'), /NOTAUTH/, 'a zone we do not hold: NOTAUTH')
    t.match(await kdig(node.dnsPort, '+notcp', 'AXFR', 'example.org'), /NOTIMP/, 'AXFR over UDP: NOTIMP')
    t.ok(node.logLines.some((l) => l.includes('"zone transfer"') && l.includes('"result":"ixfr"')), 'transfers are logged')
    const metrics = await (await fetch(`http://127.0.0.1:${node.apiPort}/metrics`)).text()
    t.match(metrics, /dnsplane_records_changes_total\{source="local"\} 2\b/, 'both writes counted by their path')
    t.match(metrics, /dnsplane_zone_transfers_total\{type="ixfr",result="ixfr"\} 1\b/)
    t.ok(node.logLines.some((l) => l.includes('"zone serial changed"') && l.includes('"source":"local"')), 'the zone log names the path of the change')
  })

  t.test('TSIG: a signed AXFR of a multi-message zone is signed in every message; bad keys get NOTAUTH', { timeout: 60_000 }, async (t) => {
    const SECRET = Buffer.from('dnsplane zone transfer test key!').toString('base64')
    const big = [...ZONE, ...Array.from({ length: 1500 }, (_, i) => rec(`host-${i}.example.org`, 'TXT', `"${'v'.repeat(30)} ${i}"`))]
    const node = await startTestNode({
      axfr_enabled: true, axfr_allowed_networks: [], // no network: only the key lets a client in
      tsig_keys: [
        { name: 'xfr-key', algorithm: 'hmac-sha256', secret: SECRET, operations: ['transfer'] },
        { name: 'ddns-key', algorithm: 'hmac-sha256', secret: SECRET, operations: ['update'] },
      ],
    }, { records: { records: big } })
    t.teardown(() => node.daemon.stop())
    const out = await kdig(node.dnsPort, '-y', `hmac-sha256:xfr-key:${SECRET}`, 'AXFR', 'example.org')
    const m = /Received \d+ B \((\d+) messages, (\d+) records\)/.exec(out)
    t.ok(m && Number(m[1]) > 1, `several messages (${m?.[1]}), each verified by kdig`)
    t.equal(Number(m?.[2]), big.length, 'SOA, the zone, SOA (outside.test left out)')
    t.notMatch(out, /;; (ERROR|WARNING)/, "kdig verified every TSIG")
    t.ok(node.logLines.some((l) => l.includes('"zone transfer started"')), 'over 1,000 RRs: sent a slice at a time, the TSIG chain unbroken across slices')
    t.match(await kdig(node.dnsPort, 'AXFR', 'example.org'), /REFUSED/, 'unsigned from a network not listed: REFUSED')
    t.match(await kdig(node.dnsPort, '-y', `hmac-sha256:ddns-key:${SECRET}`, 'AXFR', 'example.org'), /REFUSED/, 'a key without the transfer grant: REFUSED')
    const bad = await kdig(node.dnsPort, '-y', `hmac-sha256:nokey:${SECRET}`, 'AXFR', 'example.org')
    t.match(bad, /NOTAUTH|BADKEY/, 'an unknown key: NOTAUTH (BADKEY)')
    const s = await serialOf(node.dnsPort, 'example.org')
    const ixfr = await kdig(node.dnsPort, '-y', `hmac-sha256:xfr-key:${SECRET}`, `IXFR=${s}`, 'example.org')
    t.match(ixfr, /1 records\)/, 'a signed IXFR of a current client: the SOA alone, signed')
    t.notMatch(ixfr, /;; (ERROR|WARNING)/)
    t.ok(node.logLines.some((l) => l.includes('"zone transfer"') && l.includes('"key":"xfr-key"')), 'the key is logged (never its secret)')
    t.notOk(node.logLines.some((l) => l.includes(SECRET)))
  })

  t.test('transfers are refused when off or from another network', { timeout: 60_000 }, async (t) => {
    const off = await startTestNode({ axfr_enabled: false, axfr_allowed_networks: ['127.0.0.0/8'] }, { records: { records: ZONE } })
    t.teardown(() => off.daemon.stop())
    t.match(await kdig(off.dnsPort, 'AXFR', 'example.org'), /REFUSED/)
    const other = await startTestNode(
      { axfr_enabled: true, axfr_allowed_networks: ['192.0.2.0/24', 'not-a-network'], zone_also_notify: ['example.org host.example:53'] },
      { records: { records: ZONE } },
    )
    t.teardown(() => other.daemon.stop())
    t.match(await kdig(other.dnsPort, 'AXFR', 'example.org'), /REFUSED/)
    t.match(await kdig(other.dnsPort, 'IXFR=1', 'example.org'), /REFUSED/)
    t.ok(other.logLines.some((l) => l.includes('axfr_allowed_networks entries ignored') && l.includes('not-a-network')), 'a bad network is named')
    t.ok(other.logLines.some((l) => l.includes('zone_also_notify entries ignored')), 'a bad notify target is named')
  })

  t.test('serials survive a restart (zone_serials.json), also after a delete that has no record time', { timeout: 60_000 }, async (t) => {
    const first = await startTestNode({}, { records: { records: ZONE } })
    const s0 = (await serialOf(first.dnsPort, 'example.org')) as number
    await first.daemon.records.remove({ name: 'www.example.org' })
    await first.daemon.records.remove({ name: 'mail.example.org' })
    const s1 = (await serialOf(first.dnsPort, 'example.org')) as number
    t.ok(s1 >= s0 + 2, `two deletes moved the serial (${s0} -> ${s1})`)
    await first.daemon.stop()
    const again = await startTestNode({}, { dir: first.dir })
    t.teardown(() => again.daemon.stop())
    t.equal(await serialOf(again.dnsPort, 'example.org'), s1, 'the same serial after the restart, not the records\' newest time')
  })
  t.test('IXFR history survives a restart: kdig IXFR=<old serial> after a restart gets the increments', { timeout: 60_000 }, async (t) => {
    const cfg = { axfr_enabled: true, axfr_allowed_networks: ['127.0.0.0/8', '::1'] }
    const first = await startTestNode(cfg, { records: { records: ZONE } })
    const s0 = (await serialOf(first.dnsPort, 'example.org')) as number
    await first.daemon.records.add({ name: 'kept.example.org', type: 'A', value: '192.0.2.44', ttl: 60 })
    await first.daemon.records.remove({ name: 'mail.example.org' })
    const s2 = (await serialOf(first.dnsPort, 'example.org')) as number
    await first.daemon.stop()
    const again = await startTestNode(cfg, { dir: first.dir })
    t.teardown(() => again.daemon.stop())
    t.equal(await serialOf(again.dnsPort, 'example.org'), s2, 'the same serial after the restart')
    const shape = rrLines(await kdig(again.dnsPort, `IXFR=${s0}`, 'example.org')).map((l) => l.split(' ').slice(3).join(' '))
      .map((x) => (x.startsWith('SOA') ? 'SOA' : x))
    t.same(shape, ['SOA', 'SOA', 'SOA', 'A 192.0.2.44', 'SOA', 'A 192.0.2.3', 'SOA', 'SOA'], 'the two increments, not the whole zone')
    t.ok(again.logLines.some((l) => l.includes('"zone history restored"')), 'the restore is logged')
  })

  t.test('behind a VIP: a secondary current on one node gets the increments by IXFR from another node', { timeout: 90_000 }, async (t) => {
    const ports = [await freePort(), await freePort()]
    const nodes: TestNode[] = []
    for (let i = 0; i < 2; i++) {
      const node = await startTestNode({
        axfr_enabled: true, axfr_allowed_networks: ['127.0.0.0/8', '::1'],
        cluster_enabled: true, cluster_sync_policy: 'record_lww', cluster_listen_addr: `127.0.0.1:${ports[i]}`,
        cluster_peers: [`127.0.0.1:${ports[1 - i]}`], cluster_auth_token: 'xfr-vip-cluster-token-123456', cluster_node_id: `vip-${i}`,
      }, { records: { records: ZONE } })
      t.teardown(() => node.daemon.stop())
      nodes.push(node)
    }
    const [a, b] = nodes
    const s0 = (await serialOf(a.dnsPort, 'example.org')) as number
    t.equal(await serialOf(b.dnsPort, 'example.org'), s0, 'the same start serial on both nodes')
    await new Promise((r) => setTimeout(r, 1100)) // a change in a later second than the seed records
    await a.daemon.records.add({ name: 'vip.example.org', type: 'A', value: '192.0.2.61', ttl: 60 })
    const s1 = (await serialOf(a.dnsPort, 'example.org')) as number
    t.ok(await waitFor(async () => (await kdig(b.dnsPort, '+short', 'A', 'vip.example.org')).includes('192.0.2.61'), WAIT_MS), 'replicated')
    await new Promise((r) => setTimeout(r, 1100)) // the peer's clock moved on: its serial must still be the writer's
    t.ok(await waitFor(async () => (await serialOf(b.dnsPort, 'example.org')) === s1, WAIT_MS), `the peer reached the writer's serial ${s1}`)
    const shape = rrLines(await kdig(b.dnsPort, `IXFR=${s0}`, 'example.org')).map((l) => l.split(' ').slice(3).join(' '))
      .map((x) => (x.startsWith('SOA') ? 'SOA ' + x.split(' ')[3] : x))
    t.same(shape, [`SOA ${s1}`, `SOA ${s0}`, `SOA ${s1}`, 'A 192.0.2.61', `SOA ${s1}`], 'the increment, from the node the secondary did not use')
  })

  t.test('a damaged history file is cut with a warning; IXFR from before the damage falls back to the whole zone', { timeout: 60_000 }, async (t) => {
    const cfg = { axfr_enabled: true, axfr_allowed_networks: ['127.0.0.0/8', '::1'] }
    const first = await startTestNode(cfg, { records: { records: ZONE } })
    const s0 = (await serialOf(first.dnsPort, 'example.org')) as number
    await first.daemon.records.add({ name: 'a1.example.org', type: 'A', value: '192.0.2.51', ttl: 60 })
    const s1 = (await serialOf(first.dnsPort, 'example.org')) as number
    await first.daemon.records.add({ name: 'a2.example.org', type: 'A', value: '192.0.2.52', ttl: 60 })
    await first.daemon.stop()
    const dir = join(first.dir, 'zone_history')
    const [name] = await readdir(dir)
    const lines = (await readFile(join(dir, name), 'utf8')).split('\n')
    lines[0] = lines[0].slice(0, 40) + '7' + lines[0].slice(41) // the first difference no longer matches its checksum
    await writeFile(join(dir, name), lines.join('\n'))
    const again = await startTestNode(cfg, { dir: first.dir })
    t.teardown(() => again.daemon.stop())
    t.ok(again.logLines.some((l) => l.includes('zone history file damaged')), 'the damage is logged')
    t.equal(rrLines(await kdig(again.dnsPort, `IXFR=${s0}`, 'example.org')).length, 9, 'from before the damage: the whole zone (SOA, 7 RRs, SOA)')
    t.equal(rrLines(await kdig(again.dnsPort, `IXFR=${s1}`, 'example.org')).length, 9, 'nothing after the damage is read either: the whole zone')
    t.equal(again.daemon.records.list().length, ZONE.length + 2, 'the node serves its records as before')
  })
}

if (!has('knotd') || !has('kdig')) {
  t.comment('knotd not installed (Debian package knot): skipping the knotd secondary test')
  t.pass('skipped: knotd missing')
} else {
  t.test('knotd as a secondary with a TSIG key: signed NOTIFY, AXFR, then a change followed by IXFR', { timeout: 90_000 }, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'dnsplane-knot-xfr-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const knotPort = await freePort()
    const dnsPort = await freePort()
    const secret = Buffer.from('knotd notify and transfer key 32').toString('base64')
    const knot = await startSecondary(dir, knotPort, dnsPort, secret)
    t.teardown(() => stopProcess(knot))
    // no network may transfer and knotd takes only signed NOTIFYs: the key does both (RFC 1996 + RFC 8945)
    const node: TestNode = await startTestNode(
      {
        port: String(dnsPort), axfr_enabled: true, axfr_allowed_networks: [], zone_also_notify: [`example.org 127.0.0.1:${knotPort} key=knot-key`],
        tsig_keys: [{ name: 'knot-key', algorithm: 'hmac-sha256', secret, operations: ['transfer', 'notify'] }],
      },
      { records: { records: ZONE } },
    )
    t.teardown(() => node.daemon.stop())
    const ours = await serialOf(dnsPort, 'example.org')
    const first = await waitFor(async () => (await serialOf(knotPort, 'example.org')) === ours, WAIT_MS)
    t.ok(first, `knotd serves our serial ${ours}`)
    t.ok(await waitFor(() => node.logLines.some((l) => l.includes('"notify acknowledged"')), WAIT_MS), 'knotd acknowledged the NOTIFY')
    t.match((await kdig(knotPort, '+short', 'A', 'www.example.org')).trim(), '192.0.2.2')

    await node.daemon.records.add({ name: 'api.example.org', type: 'A', value: '192.0.2.77', ttl: 120 })
    await node.daemon.records.update({ name: 'www.example.org', type: 'A', value: '192.0.2.2', ttl: 600 })
    const next = await serialOf(dnsPort, 'example.org')
    t.ok(next !== undefined && ours !== undefined && next > ours, `the serial moved (${ours} -> ${next})`)
    const followed = await waitFor(async () => (await serialOf(knotPort, 'example.org')) === next, WAIT_MS)
    t.ok(followed, `knotd follows to ${next}`)
    t.equal((await kdig(knotPort, '+short', 'A', 'api.example.org')).trim(), '192.0.2.77', 'the added record is on knotd')
    t.match(await kdig(knotPort, '+noall', '+answer', 'A', 'www.example.org'), /\s600\s+IN\s+A\s+192\.0\.2\.2/, 'the changed TTL is on knotd')
    t.ok(node.logLines.some((l) => l.includes('"zone transfer"') && l.includes('"type":"IXFR"') && l.includes('"result":"ixfr"')), 'knotd took the change by IXFR')
  })
}

/** knotd with example.org as a secondary of 127.0.0.1@primaryPort, taking NOTIFY from 127.0.0.1 signed with knot-key. */
async function startSecondary(dir: string, port: number, primaryPort: number, secret: string): Promise<ChildProcess> {
  return startKnotd(dir, port, [
    'key:', '  - id: knot-key', '    algorithm: hmac-sha256', `    secret: ${secret}`,
    'remote:', '  - id: primary', `    address: 127.0.0.1@${primaryPort}`, '    key: knot-key',
    'acl:', '  - id: notify', '    address: 127.0.0.1', '    key: knot-key', '    action: notify',
    'zone:', '  - domain: example.org.', '    master: primary', '    acl: notify', `    file: "${join(dir, 'example.org.zone')}"`,
    '    zonefile-sync: -1', '    journal-content: changes',
  ])
}
