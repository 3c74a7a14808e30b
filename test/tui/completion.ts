import t from 'tap'
import { candidatesFor, completeLine } from '../../src/tui/completion.js'
import { INITIAL_STATE } from '../../src/tui/commands/types.js'

const NAMES = ['www.example.com', 'web.example.com', 'mail.example.com', 'my host.lan']

t.test('completes contexts, commands and sub-commands', async (t) => {
  const cases: [string, string | null, string, string[]?][] = [
    ['rec', null, 'record '],
    ['record l', null, 'record list '],
    ['cluster pe', null, 'cluster peer '],
    ['cluster peer s', null, 'cluster peer set-role '],
    ['cluster push ', null, 'cluster push ', ['config', 'records']],
    ['li', 'record', 'list '],
    ['cd tool', null, 'cd tools '],
    ['server set cluster_sync_p', null, 'server set cluster_sync_policy '],
    ['cluster peer add 10.0.0.2:7946 r', null, 'cluster peer add 10.0.0.2:7946 readonly '],
    ['st', null, 'stats '],
    ['nothing', null, 'nothing', []],
  ]
  for (const [line, ctx, want, cands] of cases) {
    const r = completeLine(line, { context: ctx as never }, NAMES)
    t.equal(r.line, want, line)
    if (cands) t.same(r.candidates, cands, `${line} candidates`)
  }
})

t.test('completes record names fetched from the daemon, quoting when needed', async (t) => {
  t.equal(completeLine('record remove ma', INITIAL_STATE, NAMES).line, 'record remove mail.example.com ')
  t.equal(completeLine('record update my', INITIAL_STATE, NAMES).line, 'record update "my host.lan" ')
  const several = completeLine('record remove w', INITIAL_STATE, NAMES)
  t.equal(several.line, 'record remove w')
  t.same(several.candidates, ['web.example.com', 'www.example.com'])
  t.equal(completeLine('tools dig ww', INITIAL_STATE, NAMES).line, 'tools dig www.example.com ')
  t.equal(completeLine('record add www.example.com CN', INITIAL_STATE, NAMES).line, 'record add www.example.com CNAME ')
})

t.test('extends to the longest common prefix', async (t) => {
  const r = completeLine('c', INITIAL_STATE, [])
  t.same(r.candidates, ['cache', 'cd', 'cluster', 'contexts'])
  t.equal(r.line, 'c')
  t.equal(completeLine('record remove we', INITIAL_STATE, ['web1.lan', 'web2.lan']).line, 'record remove web')
})

t.test('offers everything at an empty prompt, including the current context commands', async (t) => {
  const all = candidatesFor([], { context: 'cache' }, [])
  for (const w of ['record', 'dns', 'stats', 'help', 'exit', 'clear', 'list']) t.ok(all.includes(w), w)
})
