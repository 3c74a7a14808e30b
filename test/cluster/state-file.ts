import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadClusterState, saveClusterState, statePathFor } from '../../src/cluster/state-file.js'

const rnd = (n: number) => Buffer.alloc(n, 0xab)

t.test('lives next to dnsplane.json', async (t) => {
  t.equal(statePathFor('/etc/dnsplane/dnsplane.json'), '/etc/dnsplane/cluster_state.json')
})

t.test('creates a missing file with a random node id, mode 0600', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-'))
  const path = join(dir, 'cluster_state.json')
  const { state, created } = await loadClusterState(path, '', rnd)
  t.ok(created)
  t.equal(state.node_id, 'node-abababababababab')
  t.equal(statSync(path).mode & 0o777, 0o600)
  t.same(JSON.parse(readFileSync(path, 'utf8')), { node_id: 'node-abababababababab', local_seq: 0 })
})

t.test('keeps the stored id unless config sets one, and does not rewrite an existing file on load', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-'))
  const path = join(dir, 'cluster_state.json')
  writeFileSync(path, '{"node_id":"stored","local_seq":4,"peer_seq":{"b":2}}')
  const a = await loadClusterState(path, '', rnd)
  t.equal(a.state.node_id, 'stored')
  t.equal(a.state.local_seq, 4)
  t.notOk(a.created)
  const b = await loadClusterState(path, ' cfg-id ', rnd)
  t.equal(b.state.node_id, 'cfg-id')
  t.match(readFileSync(path, 'utf8'), /"stored"/, 'config id written only at the next save')
})

t.test('saves atomically (no temp file left) with mode 0600', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-'))
  const path = join(dir, 'cluster_state.json')
  writeFileSync(path, '{}', { mode: 0o644 })
  await saveClusterState(path, { node_id: 'n', local_seq: 3, peer_seq: { x: 1 }, last_global_lww_unix: 0, last_global_lww_node_id: '' })
  t.same(readdirSync(dir), ['cluster_state.json'])
  t.equal(statSync(path).mode & 0o777, 0o600)
  t.equal(readFileSync(path, 'utf8'), '{\n  "node_id": "n",\n  "local_seq": 3,\n  "peer_seq": {\n    "x": 1\n  }\n}\n')
})

t.test('a corrupt file is an ERR_STATE_LOAD, not a silent reset', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-'))
  const path = join(dir, 'cluster_state.json')
  writeFileSync(path, '{"local_seq":')
  await t.rejects(loadClusterState(path, '', rnd), { code: 'ERR_STATE_LOAD' })
})
