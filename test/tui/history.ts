import t from 'tap'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { appendHistory, historyFilePath, loadHistory, saveHistory, shouldPersist } from '../../src/tui/history.js'
import { historyDown, historyUp, NO_NAV } from '../../src/tui/hooks/use-history.js'

t.test('appendHistory skips blanks and repeats and keeps the newest entries', async (t) => {
  let h: string[] = []
  for (const l of ['a', '', '  ', 'b', 'b', 'c']) h = appendHistory(h, l)
  t.same(h, ['a', 'b', 'c'])
  t.same(appendHistory(['a', 'b', 'c'], 'd', 3), ['b', 'c', 'd'])
})

t.test('history file path honours XDG_STATE_HOME', async (t) => {
  t.equal(historyFilePath({}, '/home/u'), '/home/u/.dnsplane_history')
  t.equal(historyFilePath({ XDG_STATE_HOME: '/st' }, '/home/u'), '/st/dnsplane/history')
})

t.test('secrets are never written to the history file', async (t) => {
  t.notOk(shouldPersist('server set api_auth_token hunter2'))
  t.notOk(shouldPersist('set cluster_admin_token x'))
  t.ok(shouldPersist('server set port 53'))
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dnsplane-hist-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'state', 'history')
  await saveHistory(file, ['record list', 'server set api_auth_token hunter2', 'dns list'])
  t.equal(await readFile(file, 'utf8'), 'record list\ndns list\n')
  t.equal((await stat(file)).mode & 0o777, 0o600)
  t.same(await loadHistory(file), ['record list', 'dns list'])
})

t.test('a missing file is an empty history; loading is bounded', async (t) => {
  t.same(await loadHistory('/nonexistent/dnsplane/history'), [])
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dnsplane-hist-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'h')
  await writeFile(file, Array.from({ length: 30 }, (_, i) => `cmd ${i}`).join('\n'))
  t.same(await loadHistory(file, 5), ['cmd 25', 'cmd 26', 'cmd 27', 'cmd 28', 'cmd 29'])
})

t.test('up/down navigation returns to the line being typed', async (t) => {
  const entries = ['one', 'two']
  const u1 = historyUp(entries, NO_NAV, 'draft')!
  t.equal(u1.line, 'two')
  const u2 = historyUp(entries, u1.nav, 'two')!
  t.equal(u2.line, 'one')
  t.equal(historyUp(entries, u2.nav, 'one')!.line, 'one', 'stays at the oldest')
  const d1 = historyDown(entries, u2.nav)!
  t.equal(d1.line, 'two')
  const d2 = historyDown(entries, d1.nav)!
  t.equal(d2.line, 'draft')
  t.same(d2.nav, NO_NAV)
  t.equal(historyDown(entries, NO_NAV), undefined)
  t.equal(historyUp([], NO_NAV, ''), undefined)
})
