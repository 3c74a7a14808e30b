import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import t from 'tap'
import { rejection, tempDir as makeTempDir } from '../helpers/fs.js'
import { isDnsplaneError } from '../../src/errors.js'
import { ServersStore, type ServersChange } from '../../src/store/servers-file-store.js'
import { parseServersFile } from '../../src/store/servers.js'

const noop = (): void => undefined
const log = { info: noop, warn: noop, error: noop, debug: noop, child: () => log } as unknown as Logger

const tempDir = (t: { teardown(fn: () => unknown): void }) => makeTempDir(t, 'dnsplane-servers-')


t.test('creates a missing file with one inactive 1.1.1.1:53 row', async (t) => {
  const path = join(await tempDir(t), 'dnsservers.json')
  const store = await ServersStore.open({ path, prettyJson: false, log })
  t.same(store.list().map((s) => [s.address, s.port, s.active]), [['1.1.1.1', '53', false]])
  t.same(parseServersFile(await readFile(path, 'utf8')), store.list())
})

t.test('a bad file fails open with ERR_SERVERS_PARSE and is left untouched', async (t) => {
  const path = join(await tempDir(t), 'dnsservers.json')
  await writeFile(path, '{"dnsservers":[{"address":1}]}')
  const err = await rejection(ServersStore.open({ path, prettyJson: false, log }))
  t.ok(isDnsplaneError(err, 'ERR_SERVERS_PARSE'))
  t.match((err as Error).message, 'dnsservers[0].address')
  t.equal(await readFile(path, 'utf8'), '{"dnsservers":[{"address":1}]}')
})

t.test('add, update and remove persist atomically and emit changes in order', async (t) => {
  const path = join(await tempDir(t), 'dnsservers.json')
  const store = await ServersStore.open({ path, prettyJson: true, log })
  const events: ServersChange[] = []
  store.onChange((c) => events.push(c))
  await Promise.all([store.add({ address: '8.8.8.8' }), store.add({ address: '9.9.9.9', port: 9953 })])
  await store.update('9.9.9.9', { active: false })
  await store.remove('1.1.1.1')
  t.same(events.map((e) => [e.kind, e.server.address]), [['add', '8.8.8.8'], ['add', '9.9.9.9'], ['update', '9.9.9.9'], ['remove', '1.1.1.1']])
  t.same(store.list().map((s) => [s.address, s.port, s.active]), [['8.8.8.8', '53', true], ['9.9.9.9', '53', false]])
  const text = await readFile(path, 'utf8')
  t.match(text, /^\{\n {2}"dnsservers": \[/)
  t.same(parseServersFile(text), store.list())
  t.ok(isDnsplaneError(await rejection(store.remove('1.1.1.1')), 'ERR_SERVER_NOT_FOUND'))
  t.ok(isDnsplaneError(await rejection(store.add({ address: 'not-an-ip' })), 'ERR_SERVER_INVALID'))
  t.equal(store.list().length, 2, 'a rejected write changes nothing')
})
