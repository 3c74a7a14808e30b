import t from 'tap'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { runClient } from '../../src/tui/run-client.js'
import { startTestNode, waitFor } from '../helpers/daemon.js'
import { queryUdp } from '../helpers/dns-client.js'
import { recordsOf } from '../helpers/dns-packet.js'

async function client(target: string, command: string, extra: { token?: string; json?: boolean } = {}) {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (d) => (out += d))
  stderr.on('data', (d) => (err += d))
  const code = await runClient(
    { target, command, ...extra, timeoutMs: 5000 },
    { stdout, stderr, stdin: new PassThrough(), env: {} },
  )
  return { code, out, err }
}

t.test('dnsplane client -c drives a running node over the control socket', async (t) => {
  const node = await startTestNode()
  t.teardown(() => node.daemon.stop())
  const sock = node.daemon.socketPath
  const add = await client(sock, 'record add txt.example.com TXT "v=spf1 -all" 300')
  t.equal(add.code, 0, add.err)
  // Journaled at once; dnsrecords.json follows within records_flush_delay_ms (docs/storage.md).
  const onDisk = await waitFor(async () => {
    const file = JSON.parse(await readFile(join(node.dir, 'dnsrecords.json'), 'utf8')) as { records: { name: string; type: string; value: string }[] }
    return file.records.some((r) => r.name === 'txt.example.com' && r.type === 'TXT') || undefined
  }, 5000)
  t.ok(onDisk, 'record on disk')
  const answer = await queryUdp(node.dnsPort, 'txt.example.com', 'TXT')
  t.same((recordsOf(answer.answers)[0]?.data as Buffer[]).map(String), ['v=spf1 -all'], 'quoted value kept as one string')
  const list = await client(sock, 'record list', { json: true })
  t.equal(list.code, 0)
  t.match(list.out, /txt\.example\.com/)
  const remove = await client(sock, 'record remove txt.example.com TXT "v=spf1 -all"')
  const after = await queryUdp(node.dnsPort, 'txt.example.com', 'TXT')
  t.equal(remove.code, 0, remove.err)
  t.equal((after.answers ?? []).length, 0, 'removed')
  const bad = await client(sock, 'record add bad..name A 192.0.2.1')
  t.not(bad.code, 0, 'a bad record exits non-zero')
})

t.test('dnsplane client -c reaches a remote node over TCP with the API token', async (t) => {
  const node = await startTestNode({ api_auth_token: 'tui-e2e-token-5678' })
  t.teardown(() => node.daemon.stop())
  const target = `127.0.0.1:${node.apiPort}`
  const denied = await client(target, 'record list')
  t.not(denied.code, 0, 'refused without a token')
  const ok = await client(target, 'record add tcp.example.com 192.0.2.33', { token: 'tui-e2e-token-5678' })
  t.equal(ok.code, 0, ok.err)
  const answer = await queryUdp(node.dnsPort, 'tcp.example.com', 'A')
  t.equal(recordsOf(answer.answers)[0]?.data, '192.0.2.33')
  const status = await client(target, 'server config', { token: 'tui-e2e-token-5678' })
  t.equal(status.code, 0)
  t.notMatch(status.out, /tui-e2e-token-5678/, 'secrets never printed')
})
