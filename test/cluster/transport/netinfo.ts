import { createHash } from 'node:crypto'
import t from 'tap'
import { dialAddress, effectiveListenAddr, joinInfo, splitHostPort, tokenFingerprint } from '../../../src/cluster/transport/netinfo.js'

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

t.test('join info: the state node id, else the configured one; addresses; the token only as a fingerprint', async (t) => {
  const s = { cluster_node_id: ' cfg-id ', cluster_listen_addr: ':7950', cluster_advertise_addr: '', cluster_auth_token: ' tok-long-enough-0001 ' }
  const ifaces = { eth0: [{ address: '10.0.0.5', family: 'IPv4', internal: false }] }
  t.same(joinInfo(s, 'state-id', ifaces), {
    node_id: 'state-id',
    listen_addr: effectiveListenAddr(':7950'),
    dial_address: '10.0.0.5:7950',
    token_sha256_hex: createHash('sha256').update('tok-long-enough-0001').digest('hex'),
  })
  t.equal(joinInfo(s, '', ifaces).node_id, 'cfg-id', 'before the state file gave one')
  t.equal(joinInfo({ ...s, cluster_auth_token: '' }, 'x', ifaces).token_sha256_hex, '')
})
