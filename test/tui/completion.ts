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
  t.same(r.candidates, ['cache', 'cd', 'clear', 'cls', 'cluster', 'contexts'])
  t.equal(r.line, 'c')
  t.equal(completeLine('record remove we', INITIAL_STATE, ['web1.lan', 'web2.lan']).line, 'record remove web')
})

t.test('offers everything at an empty prompt, including the current context commands', async (t) => {
  const all = candidatesFor([], { context: 'cache' }, { recordNames: [] })
  for (const w of ['record', 'dns', 'stats', 'help', 'exit', 'clear', 'list']) t.ok(all.includes(w), w)
})

t.test('peer addresses complete after cluster peer remove/set-role and push', async (t) => {
  const data = { recordNames: [], peers: ['10.0.0.2:7946', '10.0.0.3:7946'] }
  t.equal(completeLine('cluster peer remove 10.0.0.3', INITIAL_STATE, data).line, 'cluster peer remove 10.0.0.3:7946 ')
  t.same(completeLine('cluster peer set-role 10', INITIAL_STATE, data).candidates, ['10.0.0.2:7946', '10.0.0.3:7946'])
  t.equal(completeLine('cluster push records 10.0.0.2', INITIAL_STATE, data).line, 'cluster push records 10.0.0.2:7946 ')
  t.same(completeLine('cluster peer add 10', INITIAL_STATE, data).candidates, [], 'add takes a new address')
  t.same(completeLine('cluster push records 10.0.0.2:7946 x', INITIAL_STATE, data).candidates, [])
  t.same(completeLine('cluster peer remove 1', INITIAL_STATE, { recordNames: [] }).candidates, [], 'no peers known')
})

t.test('record types complete after a name for remove and update', async (t) => {
  t.equal(completeLine('record remove www.example.com MX', INITIAL_STATE, NAMES).line, 'record remove www.example.com MX ')
  t.equal(completeLine('record update www.example.com AA', INITIAL_STATE, NAMES).line, 'record update www.example.com AAAA ')
})
