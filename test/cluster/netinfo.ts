import { createHash } from 'node:crypto'
import t from 'tap'
import { backoffDelayMs, random01From } from '../../src/cluster/backoff.js'
import { dialAddress, effectiveListenAddr, splitHostPort, tokenFingerprint } from '../../src/cluster/netinfo.js'

t.test('dial address: advertise wins, else first non-internal IPv4 with the listen port', async (t) => {
  const ifaces = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    eth0: [
      { address: 'fe80::1', family: 'IPv6', internal: false },
      { address: '192.168.1.11', family: 'IPv4', internal: false },
    ],
    eth1: [{ address: '10.0.0.5', family: 'IPv4', internal: false }],
  }
  t.equal(dialAddress('vip.example:7000', ':7946', ifaces), 'vip.example:7000')
  t.equal(dialAddress('', ':9000', ifaces), '192.168.1.11:9000')
  t.equal(dialAddress('', '', ifaces), '192.168.1.11:7946')
  t.equal(dialAddress('', '0.0.0.0:7950', ifaces), '192.168.1.11:7950')
  t.equal(dialAddress('', ':7946', { lo: ifaces.lo }), '')
})

t.test('listen address defaults to :7946 and host:port forms parse', async (t) => {
  t.equal(effectiveListenAddr('  '), ':7946')
  t.same(splitHostPort(':7946'), { host: '', port: 7946 })
  t.same(splitHostPort('[::1]:80'), { host: '::1', port: 80 })
  t.throws(() => splitHostPort('host'))
  t.throws(() => splitHostPort('host:99999'))
})

t.test('token fingerprint is the SHA-256 hex of the trimmed token, empty without a token', async (t) => {
  t.equal(tokenFingerprint('  secret \n'), createHash('sha256').update('secret').digest('hex'))
  t.equal(tokenFingerprint('   '), '')
})

t.test('push retry backoff doubles from 1 s to a 60 s cap with jitter in [50 %, 100 %]', async (t) => {
  t.equal(backoffDelayMs(1, 0.999999), 1000)
  t.equal(backoffDelayMs(1, 0), 500)
  t.equal(backoffDelayMs(3, 0.999999), 4000)
  t.equal(backoffDelayMs(50, 0.999999), 60000)
  t.equal(backoffDelayMs(50, 0), 30000)
  t.equal(random01From(Buffer.from([0, 0, 0, 0])), 0)
  t.ok(random01From(Buffer.from([255, 255, 255, 255])) < 1)
})
