import t from 'tap'
import { get } from 'node:http'
import { profilingAddress } from '../../src/daemon/build-profiling.js'
import { startTestNode } from '../helpers/daemon.js'

function status(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    }).on('error', reject)
  })
}

t.test('pprof_listen: loopback only, no opt-out', async (t) => {
  t.same(profilingAddress('127.0.0.1:6060'), { host: '127.0.0.1', port: 6060 })
  t.same(profilingAddress('[::1]:6060'), { host: '::1', port: 6060 })
  t.same(profilingAddress('localhost:0'), { host: 'localhost', port: 0 })
  t.throws(() => profilingAddress(':6060'), { code: 'ERR_CONFIG_INVALID', message: /not a loopback address/ }, 'empty host = all interfaces')
  t.throws(() => profilingAddress('0.0.0.0:6060'), { code: 'ERR_CONFIG_INVALID' })
  t.throws(() => profilingAddress('192.0.2.1:6060'), { code: 'ERR_CONFIG_INVALID' })
  t.throws(() => profilingAddress('127.0.0.1'), { code: 'ERR_CONFIG_INVALID', message: /^pprof_listen: invalid address/ })
})

t.test('a node with pprof_enabled serves the profiling endpoint; without it nothing listens', async (t) => {
  const on = await startTestNode({ pprof_enabled: true, pprof_listen: '127.0.0.1:0' })
  t.teardown(() => on.daemon.stop())
  const addr = on.daemon.profilingAddress?.()
  t.ok(addr, 'listening')
  t.equal(await status(addr!.port, '/debug/cpu-profile?seconds=1'), 200)
  t.match(on.logLines.join('\n'), /profiling endpoint on/)

  const off = await startTestNode({})
  t.teardown(() => off.daemon.stop())
  t.equal(off.daemon.profilingAddress?.(), undefined)
  t.notMatch(off.logLines.join('\n'), /profiling endpoint/)
})

t.test('a non-loopback pprof_listen stops start-up', async (t) => {
  await t.rejects(startTestNode({ pprof_enabled: true, pprof_listen: '0.0.0.0:0' }), { code: 'ERR_CONFIG_INVALID' })
})

t.test('a taken pprof_listen port stops start-up with ERR_BIND_FAILED', async (t) => {
  const on = await startTestNode({ pprof_enabled: true, pprof_listen: '127.0.0.1:0' })
  t.teardown(() => on.daemon.stop())
  const port = on.daemon.profilingAddress!()!.port
  await t.rejects(startTestNode({ pprof_enabled: true, pprof_listen: `127.0.0.1:${port}` }), { code: 'ERR_BIND_FAILED', message: /profiling endpoint cannot listen/ })
})
