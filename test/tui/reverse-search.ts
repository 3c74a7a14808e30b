import t from 'tap'
import type { Key } from 'ink'
import { searchLabel, startSearch, stepSearch, type SearchState } from '../../src/tui/reverse-search.js'

const NO_KEY: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false,
}
const key = (k: Partial<Key> = {}): Key => ({ ...NO_KEY, ...k })
const ENTRIES = ['record list', 'cluster status', 'record add a 192.0.2.1', 'dns list']

function typeQuery(s: SearchState, text: string): SearchState {
  for (const ch of text) {
    const step = stepSearch(s, ENTRIES, ch, key())
    if (step.kind !== 'search') throw new Error('search ended')
    s = step.state
  }
  return s
}

t.test('typing finds the newest entry containing the query', async (t) => {
  const s = typeQuery(startSearch('draft'), 'rec')
  t.equal(s.index, 2)
  t.equal(searchLabel(s, ENTRIES), "(reverse-i-search)'rec': record add a 192.0.2.1")
  t.equal(searchLabel(startSearch(''), ENTRIES), "(reverse-i-search)'': ")
})

t.test('Ctrl-R steps to older matches and says when there are none', async (t) => {
  let s = typeQuery(startSearch(''), 'rec')
  let step = stepSearch(s, ENTRIES, 'r', key({ ctrl: true }))
  t.equal(step.kind === 'search' && step.state.index, 0)
  s = (step as { state: SearchState }).state
  step = stepSearch(s, ENTRIES, 'r', key({ ctrl: true }))
  t.ok(step.kind === 'search' && step.state.failed && step.state.index === 0, 'stays on the oldest, failed')
  t.match(searchLabel((step as { state: SearchState }).state, ENTRIES), /^\(failed reverse-i-search\)'rec': record list$/)
})

t.test('backspace widens the query again', async (t) => {
  const s = typeQuery(startSearch(''), 'dnsx')
  t.ok(s.failed)
  const step = stepSearch(s, ENTRIES, '', key({ backspace: true }))
  t.ok(step.kind === 'search' && step.state.query === 'dns' && step.state.index === 3)
})

t.test('Enter runs the match; Esc, Ctrl-G and Ctrl-C give back the old line; other keys keep the match to edit', async (t) => {
  const s = typeQuery(startSearch('draft'), 'status')
  t.same(stepSearch(s, ENTRIES, '', key({ return: true })), { kind: 'done', line: 'cluster status', run: true })
  t.same(stepSearch(s, ENTRIES, '', key({ escape: true })), { kind: 'done', line: 'draft', run: false })
  t.same(stepSearch(s, ENTRIES, 'g', key({ ctrl: true })), { kind: 'done', line: 'draft', run: false })
  t.same(stepSearch(s, ENTRIES, 'c', key({ ctrl: true })), { kind: 'done', line: 'draft', run: false })
  t.same(stepSearch(s, ENTRIES, '', key({ rightArrow: true })), { kind: 'done', line: 'cluster status', run: false })
  t.same(stepSearch(startSearch('draft'), ENTRIES, '', key({ return: true })), { kind: 'done', line: 'draft', run: true })
})
