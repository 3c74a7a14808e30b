/**
 * `dnsplane top` end to end under a pseudo-terminal (util-linux `script`): it draws the dashboard
 * from a running node's control socket, survives a resize and exits 0 on `q`. Skipped with a note
 * where `script` is missing.
 */
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { startTestNode } from '../helpers/daemon.js'

const ROOT = join(import.meta.dirname, '..', '..')
const WAIT_MS = 20_000

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

t.test('dnsplane top draws under a pty, survives a resize and quits on q', async (t) => {
  if (spawnSync('script', ['--version']).status !== 0) {
    t.skip('util-linux script is not installed: top is not tested under a pty')
    return
  }
  const node = await startTestNode()
  t.teardown(() => node.daemon.stop())
  // Run the TypeScript entry with the loader this test runs under, so no build is needed.
  const loader = process.execArgv.filter((a) => a.includes('typescript'))
  const cmd = [process.execPath, ...loader, join(ROOT, 'src', 'cli', 'main.ts'), 'top', node.daemon.socketPath, '--interval', '0.2'].map(shellQuote).join(' ')
  const child = spawn('script', ['-qfec', `stty cols 100 rows 40; exec ${cmd}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'xterm-256color' } })
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const waitFor = async (re: RegExp): Promise<boolean> => {
    for (let i = 0; i < WAIT_MS / 50; i++) {
      if (re.test(out)) return true
      await new Promise((r) => setTimeout(r, 50))
    }
    return false
  }
  t.ok(await waitFor(/dnsplane top/), "the dashboard is drawn")
  t.ok(await waitFor(/queries\/s\s+\d/), 'live query rate')
  t.ok(await waitFor(/Upstreams/), 'upstream panel')
  t.ok(await waitFor(/Cluster/), 'cluster panel')
  // A resize: SIGWINCH to the pty's foreground; Ink redraws and keeps running.
  spawnSync('pkill', ['-WINCH', '-P', String(child.pid)])
  const before = out.length
  t.ok(await waitFor(new RegExp(`[\\s\\S]{${before}}[\\s\\S]*queries/s`)), 'still drawing after a resize')
  child.stdin.write('q')
  const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), WAIT_MS))])
  t.equal(code, 0, 'q quits with status 0')
})
