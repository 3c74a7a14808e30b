/**
 * Issue #15: RFC 2136 UPDATE with TSIG against a real node, driven by the real clients (nsupdate
 * from bind9-dnsutils, knsupdate from knot-dnsutils) and checked with dig; BADTIME is crafted with
 * our own signer (no faketime). A 3-node record_lww cluster answers an update made on one node.
 */
import { execFile, spawnSync } from 'node:child_process'
import dgram from 'node:dgram'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import dnsPacket from 'dns-packet'
import { signMessage } from '../../src/dns/tsig/tsig.js'
import { findTsig } from '../../src/dns/tsig/tsig-record.js'
import { freePort, startTestNode, waitFor, type TestNode } from '../helpers/daemon.js'

const SECRET = 'dGhpcyBpcyBhIHRlc3Qgc2VjcmV0IG9mIDMyIGJ5dGVz' // 32 bytes
const KEY = { name: 'ddns-key', algorithm: 'hmac-sha256', secret: SECRET, zones: ['example.test'] }
const ZONE_RECORDS = {
  records: [
    { name: 'example.test', type: 'SOA', value: 'ns1.example.test. hostmaster.example.test. 1 3600 900 604800 300', ttl: 300 },
    { name: 'example.test', type: 'NS', value: 'ns1.example.test.', ttl: 300 },
    { name: 'ns1.example.test', type: 'A', value: '192.0.2.53', ttl: 300 },
  ],
}

const hasTool = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0

/** Runs `tool` with `script` on stdin; resolves with its exit code and output (never rejects). */
function run(tool: string, args: string[], script: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(tool, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr })
    })
    child.stdin?.end(script)
  })
}

const nsupdate = (port: number, body: string, key = `hmac-sha256:ddns-key:${SECRET}`) =>
  run('nsupdate', key ? ['-y', key] : [], `server 127.0.0.1 ${port}\nzone example.test\n${body}\nsend\n`)

async function dig(port: number, name: string, type = 'A'): Promise<{ status: string; answers: string[] }> {
  const r = await run('dig', ['+tries=1', '+time=3', '-p', String(port), '@127.0.0.1', name, type], '')
  const status = /status: (\w+)/.exec(r.out)?.[1] ?? 'none'
  const answers = r.out.split('\n').filter((l) => !l.startsWith(';') && l.trim() !== '').map((l) => l.split(/\s+/).slice(4).join(' '))
  return { status, answers }
}

async function startZoneNode(t: Test, extra: Record<string, unknown> = {}): Promise<TestNode> {
  const node = await startTestNode({ tsig_keys: [KEY], ...extra }, { records: ZONE_RECORDS })
  t.teardown(() => node.daemon.stop())
  return node
}

/** Sends one UDP message and returns the reply. */
function exchange(port: number, msg: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4')
    const timer = setTimeout(() => { s.close(); reject(new Error('no reply')) }, 5000)
    s.on('message', (m) => { clearTimeout(timer); s.close(); resolve(m) })
    s.send(msg, port, '127.0.0.1')
  })
}

const updateMessage = (name: string, data: string): Buffer =>
  dnsPacket.encode({
    type: 'query', id: 321, flags: 5 << 11, questions: [{ name: 'example.test', type: 'SOA', class: 'IN' }],
    authorities: [{ name, type: 'A', class: 'IN', ttl: 300, data }],
  } as unknown as dnsPacket.Packet)

const skip = hasTool('nsupdate') && hasTool('dig') ? false : 'nsupdate or dig is not installed (apt-get install bind9-dnsutils)'

t.test('nsupdate with a TSIG key adds, replaces and deletes records; dig sees each change', { skip }, async (t) => {
  const node = await startZoneNode(t)
  const p = node.dnsPort
  let r = await nsupdate(p, 'update add www.example.test 300 A 192.0.2.10\nupdate add www.example.test 300 TXT "hello world"')
  t.equal(r.code, 0, r.out)
  t.same((await dig(p, 'www.example.test')).answers, ['192.0.2.10'])
  t.same((await dig(p, 'www.example.test', 'TXT')).answers, ['"hello world"'])
  r = await nsupdate(p, 'update delete www.example.test A\nupdate add www.example.test 300 A 192.0.2.11')
  t.equal(r.code, 0, r.out)
  t.same((await dig(p, 'www.example.test')).answers, ['192.0.2.11'], 'replaced')
  r = await nsupdate(p, 'update delete www.example.test')
  t.equal(r.code, 0, r.out)
  t.equal((await dig(p, 'www.example.test')).status, 'NXDOMAIN', 'the name is gone')
  t.ok(node.logLines.some((l) => l.includes('dynamic update applied')))
  t.notOk(node.logLines.some((l) => l.includes(SECRET)), 'the secret is never logged')
  const metrics = await fetch(`http://127.0.0.1:${node.apiPort}/metrics`).then((res) => res.text()).catch(() => '')
  if (metrics !== '') t.match(metrics, /dnsplane_dns_updates_total\{rcode="NOERROR"\} 3/)
})

t.test('failed prerequisites, bad keys, bad secrets, unsigned updates get their rcodes', { skip }, async (t) => {
  const node = await startZoneNode(t)
  const p = node.dnsPort
  let r = await nsupdate(p, 'prereq yxdomain nothere.example.test\nupdate add x.example.test 300 A 192.0.2.1')
  t.match(r.out, /NXDOMAIN/, 'yxdomain on a missing name: NXDOMAIN')
  r = await nsupdate(p, 'prereq nxdomain ns1.example.test\nupdate add x.example.test 300 A 192.0.2.1')
  t.match(r.out, /YXDOMAIN/)
  r = await nsupdate(p, 'prereq yxrrset ns1.example.test AAAA\nupdate add x.example.test 300 A 192.0.2.1')
  t.match(r.out, /NXRRSET/)
  r = await nsupdate(p, 'prereq nxrrset ns1.example.test A\nupdate add x.example.test 300 A 192.0.2.1')
  t.match(r.out, /YXRRSET/)
  r = await nsupdate(p, 'prereq yxrrset ns1.example.test A 192.0.2.99\nupdate add x.example.test 300 A 192.0.2.1')
  t.match(r.out, /NXRRSET/, 'value-dependent prerequisite')
  r = await nsupdate(p, 'prereq yxrrset ns1.example.test A 192.0.2.53\nupdate add x.example.test 300 A 192.0.2.1')
  t.equal(r.code, 0, 'value-dependent prerequisite that holds: ' + r.out)
  t.same((await dig(p, 'x.example.test')).answers, ['192.0.2.1'])
  r = await nsupdate(p, 'update add y.example.test 300 A 192.0.2.2', `hmac-sha256:other-key:${SECRET}`)
  t.match(r.out, /BADKEY/, 'unknown key')
  r = await nsupdate(p, 'update add y.example.test 300 A 192.0.2.2', 'hmac-sha256:ddns-key:d3Jvbmcgc2VjcmV0IHdyb25nIHNlY3JldCB3cm9uZyE=')
  t.match(r.out, /BADSIG/, 'wrong secret')
  r = await nsupdate(p, 'update add y.example.test 300 A 192.0.2.2', '')
  t.match(r.out, /REFUSED/, 'unsigned update outside update_allowed_networks')
  r = await run('nsupdate', ['-y', `hmac-sha256:ddns-key:${SECRET}`], `server 127.0.0.1 ${p}\nzone other.test\nupdate add a.other.test 300 A 192.0.2.3\nsend\n`)
  t.match(r.out, /NOTAUTH/, 'a zone we do not hold')
  t.equal((await dig(p, 'y.example.test')).status, 'NXDOMAIN', 'nothing was written')
})

t.test('BADTIME: a request signed far from our clock gets NOTAUTH, signed, with our time', async (t) => {
  const node = await startZoneNode(t)
  const key = { name: 'ddns-key', algorithm: 'hmac-sha256' as const, secret: Buffer.from(SECRET, 'base64') }
  const signed = signMessage(updateMessage('late.example.test', '192.0.2.7'), key, { now: Math.floor(Date.now() / 1000) - 3600 })
  const reply = await exchange(node.dnsPort, signed.message)
  t.equal(reply[3] & 0x0f, 9, 'NOTAUTH')
  const tsig = findTsig(reply)
  if (!tsig || tsig === 'formerr') throw new Error('no TSIG in the reply')
  t.equal(tsig.record.error, 18, 'BADTIME')
  t.ok(Math.abs(tsig.record.otherData.readUIntBE(0, 6) - Date.now() / 1000) < 60, 'Other Data holds our time')
  t.equal(node.daemon.records.list().some((r) => r.name === 'late.example.test'), false)
  const fresh = signMessage(updateMessage('late.example.test', '192.0.2.7'), key, { now: Math.floor(Date.now() / 1000) })
  t.equal((await exchange(node.dnsPort, fresh.message))[3] & 0x0f, 0, 'the same update signed now is applied')
})

t.test('unsigned updates from update_allowed_networks are applied (over TCP too)', { skip }, async (t) => {
  const node = await startZoneNode(t, { update_allowed_networks: ['127.0.0.0/8'] })
  const r = await run('nsupdate', ['-v'], `server 127.0.0.1 ${node.dnsPort}\nzone example.test\nupdate add tcp.example.test 300 A 192.0.2.4\nsend\n`)
  t.equal(r.code, 0, r.out)
  t.same((await dig(node.dnsPort, 'tcp.example.test')).answers, ['192.0.2.4'])
})

t.test('knsupdate with a TSIG key', { skip: hasTool('knsupdate') ? skip : 'knsupdate is not installed (apt-get install knot-dnsutils)' }, async (t) => {
  const node = await startZoneNode(t)
  const r = await run('knsupdate', ['-y', `hmac-sha256:ddns-key:${SECRET}`], `server 127.0.0.1 ${node.dnsPort}\nzone example.test.\norigin example.test.\nadd knot 300 A 192.0.2.20\nsend\n`)
  t.equal(r.code, 0, r.out)
  t.same((await dig(node.dnsPort, 'knot.example.test')).answers, ['192.0.2.20'])
})

t.test('record_lww: an update on one node is answered by the two others', { skip }, async (t) => {
  const ports = [await freePort(), await freePort(), await freePort()]
  const nodes: TestNode[] = []
  for (let i = 0; i < 3; i++) {
    const node = await startTestNode({
      tsig_keys: [KEY], cluster_enabled: true, cluster_sync_policy: 'record_lww', cluster_listen_addr: `127.0.0.1:${ports[i]}`,
      cluster_peers: ports.filter((_, j) => j !== i).map((p) => `127.0.0.1:${p}`), cluster_auth_token: 'update-cluster-token-123456',
      cluster_node_id: `upd-${i}`,
    }, i === 0 ? { records: ZONE_RECORDS } : {})
    t.teardown(() => node.daemon.stop())
    nodes.push(node)
  }
  const soaEverywhere = await waitFor(async () => {
    for (const n of nodes.slice(1)) if ((await dig(n.dnsPort, 'example.test', 'SOA')).answers.length === 0) return false
    return true
  }, 20_000)
  t.ok(soaEverywhere, 'the zone reached every node')
  const r = await nsupdate(nodes[0].dnsPort, 'update add shared.example.test 300 A 192.0.2.30')
  t.equal(r.code, 0, r.out)
  for (const n of nodes.slice(1)) {
    const seen = await waitFor(async () => (await dig(n.dnsPort, 'shared.example.test')).answers.includes('192.0.2.30'), 20_000)
    t.ok(seen, `node on ${n.dnsPort} answers the update`)
  }
})

t.test('a secret_file readable by others stops the start with an error naming the key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dnsplane-tsig-it-'))
  const file = join(dir, 'ddns.key')
  writeFileSync(file, SECRET)
  chmodSync(file, 0o644)
  let message = ''
  try {
    const node = await startTestNode({ tsig_keys: [{ name: 'ddns-key', algorithm: 'hmac-sha256', secret_file: file }] }, { records: ZONE_RECORDS })
    await node.daemon.stop()
  } catch (err) {
    message = (err as Error).message
  }
  t.match(message, /^tsig_keys\[0\]\.secret_file: .* has mode 0644/)
  t.notMatch(message, SECRET)
})
