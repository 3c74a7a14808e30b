/**
 * `dnsplane client` end to end under a pseudo-terminal, the way an operator types: Tab completes
 * inside the same input chunk, a typo gets "did you mean", Ctrl-C on an empty line warns and a
 * second Ctrl-C quits with status 0. Skipped where `script` is missing.
 */
import t from 'tap'
import { startTestNode } from '../helpers/daemon.js'
import { hasScript, runInPty } from '../helpers/pty.js'

t.test('the interactive client under a pty: completion, did-you-mean and Ctrl-C twice to quit', async (t) => {
  if (!hasScript()) {
    t.skip('util-linux script is not installed: the client is not tested under a pty', () => {})
    return
  }
  const node = await startTestNode()
  t.teardown(() => node.daemon.stop())
  const home = t.testdir({})
  const tui = runInPty(['client', node.daemon.socketPath], { HOME: home, XDG_STATE_HOME: home })
  t.teardown(() => {
    if (tui.child.exitCode === null) tui.child.kill('SIGKILL')
  })
  t.ok(await tui.waitFor(/connected to/), 'connected')
  tui.child.stdin.write('recrod list\r')
  t.ok(await tui.waitFor(/did you mean "record"\?/), 'a typo is answered with the closest command')
  let from = tui.output().length
  tui.child.stdin.write('rec\tli\t\r')
  t.ok(await tui.waitFor(/Name\s+Type\s+Value\s+TTL|no records/, from), 'Tab in one chunk completed "record list" and it ran')
  from = tui.output().length
  tui.child.stdin.write('\u0003')
  t.ok(await tui.waitFor(/press Ctrl-C again or Ctrl-D to quit/, from), 'the first Ctrl-C warns')
  tui.child.stdin.write('\u0003')
  t.equal(await tui.exit(), 0, 'the second Ctrl-C quits with status 0')
})
