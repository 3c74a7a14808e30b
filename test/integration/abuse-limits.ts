/**
 * The abuse limits of a real node (docs/abuse-resistance.md): a query flood from one loopback address
 * is refused while another address is answered; RRL drops and slips (TC=1); the amplification cap
 * truncates; the sliding window refuses; the API answers 429 over HTTPS. Counts, not timings: the
 * refill rates are so low that no refill can happen while the test runs.
 */
import t from 'tap'
import dgram from 'node:dgram'
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import { tmpdir } from 'node:os'
import tls from 'node:tls'
import { X509Certificate } from 'node:crypto'
import { join } from 'node:path'
import dnsPacket from 'dns-packet'
import { startTestNode } from '../helpers/daemon.js'
import { makeTestPki, opensslUnavailable } from '../helpers/tls-certs.js'

const many = Array.from({ length: 30 }, (_, i) => ({ name: 'big.example.net', type: 'A', value: `198.51.100.${i + 1}`, ttl: 120 }))
const records = { records: [{ name: 'www.example.net', type: 'A', value: '198.51.100.7', ttl: 120 }, ...many] }

/** One UDP query from `source`; 'timeout' when nothing comes back within `timeoutMs`. */
async function askFrom(source: string, port: number, name: string, timeoutMs = 1500): Promise<dnsPacket.DecodedPacket | 'timeout'> {
  const sock = dgram.createSocket('udp4')
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject)
      sock.bind({ address: source, port: 0 }, () => resolve())
    })
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), timeoutMs)
      sock.on('message', (m) => {
        clearTimeout(timer)
        resolve(dnsPacket.decode(m))
      })
      sock.send(dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A', class: 'IN' }] }), port, '127.0.0.1')
    })
  } finally {
    sock.close()
  }
}

const outcome = (p: dnsPacket.DecodedPacket | 'timeout'): string => (p === 'timeout' ? 'drop' : p.flag_tc ? 'tc' : p.rcode)

function httpsGet(port: number, path: string, ca: Buffer): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path, ca, timeout: 10_000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
  })
}

function socketGet(socketPath: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path, timeout: 10_000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve(body))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
  })
}

t.test('query rate limit: a flood from 127.0.0.2 is refused, 127.0.0.3 is answered; the API limits over HTTPS', async (t) => {
  const why = await opensslUnavailable()
  if (why) return t.skip(why, () => {})
  const pki = await makeTestPki(t)
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-it-'))
  await copyFile(pki.nodeA.certPath, join(dir, 'api.crt'))
  await copyFile(pki.nodeA.keyPath, join(dir, 'api.key'))
  const node = await startTestNode({
    dns_rate_limit_rps: 0.0001, dns_rate_limit_burst: 5,
    api_tls_cert: 'api.crt', api_tls_key: 'api.key', api_rate_limit_rps: 0.0001, api_rate_limit_burst: 4,
  }, { dir, records })
  t.teardown(() => node.daemon.stop())
  const flood: string[] = []
  for (let i = 0; i < 12; i++) flood.push(outcome(await askFrom('127.0.0.2', node.dnsPort, 'www.example.net')))
  t.same(flood, [...Array(5).fill('NOERROR'), ...Array(7).fill('REFUSED')], 'the burst, then REFUSED')
  t.equal(outcome(await askFrom('127.0.0.3', node.dnsPort, 'www.example.net')), 'NOERROR', 'another address is answered')

  const port = node.apiPort!
  const metrics = await httpsGet(port, '/metrics', pki.caCert)
  t.equal(metrics.status, 200, 'the API speaks HTTPS with the configured certificate')
  t.match(metrics.body, /dnsplane_dns_limited_total\{action="refused_rate"\} 7/)
  const statuses: number[] = []
  let last: Awaited<ReturnType<typeof httpsGet>> | undefined
  for (let i = 0; i < 4; i++) {
    last = await httpsGet(port, '/version', pki.caCert)
    statuses.push(last.status)
  }
  t.same(statuses, [200, 200, 200, 429], 'the API burst (4, one used by /metrics), then 429')
  t.match(last?.headers['retry-after'], /^\d+$/)
  // the API is limited now: read the metrics over the control socket, which has no rate limit
  t.match(await socketGet(join(dir, 'ctl.sock'), '/metrics'), /^dnsplane_api_rate_limited_total 1$/m, 'the 429 is counted')

  // SIGHUP (daemon.reload) re-reads the API's certificate pair
  await copyFile(pki.nodeB.certPath, join(dir, 'api.crt'))
  await copyFile(pki.nodeB.keyPath, join(dir, 'api.key'))
  await node.daemon.reload()
  const served = await new Promise<string | undefined>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca: pki.caCert }, () => {
      resolve(s.getPeerX509Certificate()?.fingerprint256)
      s.destroy()
    })
    s.once('error', reject)
  })
  t.equal(served, new X509Certificate(pki.nodeB.cert).fingerprint256, 'the new certificate is served after reload')
})

t.test('RRL: over the bucket replies are dropped and every second one slipped; another /24 is answered; the amplification cap truncates', async (t) => {
  const node = await startTestNode({
    dns_response_limit_mode: 'rrl', dns_rrl_max_per_bucket: 2, dns_rrl_window_seconds: 3600, dns_rrl_slip: 0.5, dns_amplification_max_ratio: 4,
  }, { records })
  t.teardown(() => node.daemon.stop())
  const seen: string[] = []
  for (let i = 0; i < 6; i++) seen.push(outcome(await askFrom('127.0.0.2', node.dnsPort, 'www.example.net', 400)))
  t.same(seen, ['NOERROR', 'NOERROR', 'drop', 'tc', 'drop', 'tc'])
  // the dashboard (and `dnsplane top`, which reads the same object) shows what the limits did
  const data = await (await fetch(`http://127.0.0.1:${node.apiPort}/stats/dashboard/data`)).json()
  t.match(data.dns_limits, { rrl_dropped: 2, rrl_slipped: 2, refused_rate: 0 })
  t.equal(outcome(await askFrom('127.0.1.3', node.dnsPort, 'www.example.net')), 'NOERROR', 'another /24, another bucket')
  const big = await askFrom('127.0.2.2', node.dnsPort, 'big.example.net')
  t.equal(outcome(big), 'tc', '30 A records exceed 4 x the query')
  t.same(big !== 'timeout' && big.answers, [])
})

t.test('sliding window: UDP responses per client per window, REFUSED above', async (t) => {
  const node = await startTestNode({ dns_max_responses_per_ip_window: 3, dns_sliding_window_seconds: 3600 }, { records })
  t.teardown(() => node.daemon.stop())
  const seen: string[] = []
  for (let i = 0; i < 5; i++) seen.push(outcome(await askFrom('127.0.0.2', node.dnsPort, 'www.example.net')))
  t.same(seen, ['NOERROR', 'NOERROR', 'NOERROR', 'REFUSED', 'REFUSED'])
  t.equal(outcome(await askFrom('127.0.0.3', node.dnsPort, 'www.example.net')), 'NOERROR')
})

t.test('api_tls_cert without api_tls_key refuses the start instead of serving plain HTTP', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-it-'))
  await writeFile(join(dir, 'api.crt'), 'not checked: the missing key is found first')
  await t.rejects(startTestNode({ api_tls_cert: 'api.crt' }, { dir }), { code: 'ERR_CONFIG_INVALID', message: /api_tls_key/ })
})
