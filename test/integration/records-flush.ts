/**
 * `dnsplane records flush` (and the client's `record flush`) against a running node: a journaled
 * change reaches dnsrecords.json at once instead of after records_flush_delay_ms (docs/storage.md).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import t from 'tap'
import { runClient } from '../../src/tui/run-client.js'
import { startTestNode } from '../helpers/daemon.js'
import { runBin } from '../helpers/bin.js'
import { labSkipReason } from '../helpers/lab/cluster.js'

async function fileNames(dir: string): Promise<string[]> {
  const doc = JSON.parse(await readFile(join(dir, 'dnsrecords.json'), 'utf8')) as { records: { name: string }[] }
  return doc.records.map((r) => r.name)
}

async function client(target: string, command: string): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough()
  let out = ''
  stdout.on('data', (d) => (out += d))
  const code = await runClient({ target, command, timeoutMs: 5000 }, { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {} })
  return { code, out }
}

const cli = (args: string[]) => runBin(args)

// A delay far beyond the test: only a flush can put the change in the file.
const LONG = { records_flush_delay_ms: 60_000 }

t.test('client "record flush" writes a journaled change to dnsrecords.json', async (t) => {
  const node = await startTestNode(LONG)
  t.teardown(() => node.daemon.stop())
  const sock = node.daemon.socketPath
  t.equal((await client(sock, 'record add flushed.example.com A 192.0.2.1')).code, 0)
  t.notOk((await fileNames(node.dir)).includes('flushed.example.com'), 'journaled, not yet in the file')
  const f = await client(sock, 'record flush')
  t.equal(f.code, 0)
  t.match(f.out, /records file written/)
  t.ok((await fileNames(node.dir)).includes('flushed.example.com'), 'in the file after the flush')
  t.match((await client(sock, 'record flush')).out, /records file already current/)
})

t.test('bin/dnsplane.js records flush [socket]', { skip: labSkipReason() }, async (t) => {
  const node = await startTestNode(LONG)
  t.teardown(() => node.daemon.stop())
  const sock = node.daemon.socketPath
  t.equal((await client(sock, 'record add cli.example.com A 192.0.2.2')).code, 0)
  const r = await cli(['records', 'flush', sock])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /records file written/)
  t.ok((await fileNames(node.dir)).includes('cli.example.com'))
  const json = await cli(['records', 'flush', sock, '--json'])
  t.equal(json.code, 0)
  t.match(JSON.parse(json.stdout), { status: 'records file already current' })
})
