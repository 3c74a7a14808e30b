import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { prepareSocketPath, probeSocket } from '../../src/daemon/control-socket.js'
import { startTestNode, waitFor } from '../helpers/daemon.js'

const tmp = () => mkdtemp(join(tmpdir(), 'dnsplane-sock-'))

/** A socket file whose process was killed with SIGKILL: nothing listens, the file stays. */
async function staleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
  child.kill('SIGKILL')
  await new Promise((resolve) => child.once('exit', resolve))
}

t.test('a regular file at the socket path is neither removed nor replaced', async (t) => {
  const dir = await tmp()
  const path = join(dir, 'precious.txt')
  await writeFile(path, 'keep me')
  await t.rejects(prepareSocketPath(path), { code: 'ERR_BIND_FAILED', message: /precious\.txt.*not a socket/ })
  t.equal(await readFile(path, 'utf8'), 'keep me')
})

t.test('a daemon refuses to start when server_socket names a regular file, and keeps the file', async (t) => {
  const dir = await tmp()
  const path = join(dir, 'notes.txt')
  await writeFile(path, 'operator data')
  await t.rejects(startTestNode({ server_socket: path }, { dir }), { code: 'ERR_BIND_FAILED', message: /notes\.txt/ })
  t.equal(await readFile(path, 'utf8'), 'operator data')
})

t.test('a socket a live server answers on is not taken over', async (t) => {
  const dir = await tmp()
  const path = join(dir, 'ctl.sock')
  const server = createServer((c) => c.end())
  await new Promise<void>((resolve) => server.listen(path, resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  t.equal(await probeSocket(path), 'live')
  await t.rejects(prepareSocketPath(path), { code: 'ERR_BIND_FAILED', message: /ctl\.sock.*another server is listening/ })
  t.ok((await stat(path)).isSocket(), 'the socket file is still there')
  t.equal(await probeSocket(path), 'live', 'and the first server still answers on it')
})

t.test('a second daemon on the same control socket refuses to start; the first keeps its socket', async (t) => {
  const first = await startTestNode()
  t.teardown(() => first.daemon.stop())
  const socket = first.daemon.socketPath
  await t.rejects(startTestNode({ server_socket: socket }), { code: 'ERR_BIND_FAILED', message: /another server is listening/ })
  t.equal(await probeSocket(socket), 'live', 'the first node still answers on its socket')
})

t.test('a stale socket (its process was killed) is removed and listening works', async (t) => {
  const dir = await tmp()
  const path = join(dir, 'ctl.sock')
  await staleSocket(path)
  t.ok((await stat(path)).isSocket(), 'the stale socket is there')
  t.equal(await probeSocket(path), 'stale')
  await prepareSocketPath(path)
  await t.rejects(stat(path), { code: 'ENOENT' })
  const node = await startTestNode({ server_socket: path }, { dir })
  t.teardown(() => node.daemon.stop())
  t.ok(await waitFor(() => probeSocket(path).then((p) => p === 'live')), 'the node listens on the reclaimed path')
})

t.test('a missing path (and its folder) is fine', async (t) => {
  const dir = await tmp()
  await prepareSocketPath(join(dir, 'sub', 'ctl.sock'))
  t.ok((await stat(join(dir, 'sub'))).isDirectory())
})

t.test('at stop a node removes its own socket', async (t) => {
  const node = await startTestNode()
  await node.daemon.stop()
  await t.rejects(stat(node.daemon.socketPath), { code: 'ENOENT' })
})

t.test('a refused control socket is found before the node creates or binds anything', async (t) => {
  const dir = await tmp()
  const path = join(dir, 'notes.txt')
  await writeFile(path, 'operator data')
  await t.rejects(startTestNode({ server_socket: path }, { dir }), { code: 'ERR_BIND_FAILED' })
  await t.rejects(stat(join(dir, 'dnsrecords.json')), { code: 'ENOENT' }, 'no records file was created')
})
