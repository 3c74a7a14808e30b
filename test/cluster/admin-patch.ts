import t from 'tap'
import { adminPatch, adminToken } from '../../src/cluster/admin-patch.js'
import type { AdminConfigApplyMessage } from '../../src/cluster/wire/messages.js'

const base: AdminConfigApplyMessage = { type: 'admin_config_apply', admin_token: 'admin-secret-0123456789' }

t.test('the patch holds only the keys the message carries', async (t) => {
  const cases: Array<[string, Partial<AdminConfigApplyMessage>, object]> = [
    ['nothing', {}, {}],
    ['peers (copied)', { cluster_peers: ['a:1', 'b:1'] }, { cluster_peers: ['a:1', 'b:1'] }],
    ['replica only false', { cluster_replica_only: false }, { cluster_replica_only: false }],
    ['reject local writes', { cluster_reject_local_writes: true }, { cluster_reject_local_writes: true }],
    ['admin', { cluster_admin: false }, { cluster_admin: false }],
    ['interval', { cluster_sync_interval_seconds: 30 }, { cluster_sync_interval_seconds: 30 }],
    ['negative interval becomes 0', { cluster_sync_interval_seconds: -5 }, { cluster_sync_interval_seconds: 0 }],
    ['token trimmed', { cluster_auth_token: '  a-long-enough-cluster-token  ' }, { cluster_auth_token: 'a-long-enough-cluster-token' }],
    ['empty token ignored', { cluster_auth_token: '' }, {}],
  ]
  for (const [name, fields, want] of cases) {
    t.same(adminPatch({ ...base, ...fields }), { ok: true, patch: want }, name)
  }
  const peers = ['a:1']
  const out = adminPatch({ ...base, cluster_peers: peers })
  t.not(out.ok && out.patch.cluster_peers, peers, 'the peer list is a copy')
})

t.test('a weak cluster token is refused with the problem named', async (t) => {
  const out = adminPatch({ ...base, cluster_auth_token: 'short', cluster_peers: ['a:1'] })
  t.equal(out.ok, false)
  t.match(!out.ok && out.message, /^cluster_auth_token: must be at least 8 characters/)
})

t.test('the admin token is the configured one, trimmed', async (t) => {
  t.equal(adminToken({ cluster_admin_token: '  s3cret  ' }), 's3cret')
  t.equal(adminToken({ cluster_admin_token: '   ' }), '')
  t.equal(adminToken({} as { cluster_admin_token: string }), '')
})
