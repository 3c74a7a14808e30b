/**
 * `dnsplane top` end to end under a pseudo-terminal: it draws the dashboard from a running node's
 * control socket, keeps drawing after SIGWINCH and exits 0 on `q`. Skipped where `script` is missing.
 */
import { spawnSync } from 'node:child_process'
import t from 'tap'
import { startTestNode } from '../helpers/daemon.js'
import { hasScript, runInPty } from '../helpers/pty.js'

t.test('dnsplane top draws under a pty, survives a resize and quits on q', async (t) => {
  if (!hasScript()) {
    t.skip('util-linux script is not installed: top is not tested under a pty', () => {})
    return
  }
  const node = await startTestNode()
  t.teardown(() => node.daemon.stop())
  const top = runInPty(['top', node.daemon.socketPath, '--interval', '0.2'])
  t.teardown(() => {
    if (top.child.exitCode === null) top.child.kill('SIGKILL')
  })
  t.ok(await top.waitFor(/dnsplane top/), 'the dashboard is drawn')
  t.ok(await top.waitFor(/queries\/s\s+\d/), 'live query rate')
  t.ok(await top.waitFor(/latency\s/), 'query latency (the dashboard figures)')
  t.ok(await top.waitFor(/Upstreams/), 'upstream panel')
  t.ok(await top.waitFor(/clustering is off on this node/), 'cluster panel')
  // A resize: SIGWINCH to the process in the pty; Ink redraws and keeps running.
  spawnSync('pkill', ['-WINCH', '-P', String(top.child.pid)])
  t.ok(await top.waitFor(/queries\/s/, top.output().length), 'still drawing after a resize')
  top.child.stdin.write('q')
  t.equal(await top.exit(), 0, 'q quits with status 0')
})
