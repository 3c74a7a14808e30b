import t from 'tap'
import { PassThrough } from 'node:stream'
import { runClient } from '../../../src/cli/commands/client.js'

t.test('the CLI entry runs a built-in without a daemon and exits 0', async (t) => {
  let out = ''
  const stdout = new PassThrough()
  stdout.on('data', (c: Buffer) => (out += c.toString()))
  const code = await runClient({ command: 'help', defaultSocket: '/nonexistent/dnsplane.socket' }, { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {} })
  t.equal(code, 0)
  t.match(out, /record\s+local DNS records/)
})
