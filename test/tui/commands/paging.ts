import t from 'tap'
import { DEFAULT_PAGE_ROWS, MAX_PAGE_ROWS, pageOutput, splitPageFlags } from '../../../src/tui/commands/paging.js'
import type { OutputBlock } from '../../../src/tui/commands/types.js'

t.test('page flags are taken out of the arguments', async (t) => {
  t.same(splitPageFlags(['d', 'example']), { args: ['d', 'example'] })
  t.same(splitPageFlags(['--limit', '5', 'MX']), { args: ['MX'], page: { limit: 5, page: 1 } })
  t.same(splitPageFlags(['--page=3']), { args: [], page: { limit: DEFAULT_PAGE_ROWS, page: 3 } })
  t.same(splitPageFlags(['--limit=2', '--page', '2']), { args: [], page: { limit: 2, page: 2 } })
})

t.test('bad page flags are usage errors naming the flag', async (t) => {
  t.throws(() => splitPageFlags(['--limit']), { name: 'UsageError', message: '--limit expects a whole number 1..10000' })
  t.throws(() => splitPageFlags(['--limit', '0']), { message: /--limit expects .* got "0"/ })
  t.throws(() => splitPageFlags(['--limit', String(MAX_PAGE_ROWS + 1)]), { message: /--limit/ })
  t.throws(() => splitPageFlags(['--page', 'two']), { message: /--page expects/ })
})

const rows = Array.from({ length: 5 }, (_, i) => [`n${i + 1}`])
const blocks: OutputBlock[] = [{ kind: 'text', text: 'before' }, { kind: 'table', columns: ['Name'], rows }, { kind: 'text', text: '5 records' }]

t.test('a page keeps the header and says how to get the next one', async (t) => {
  const out = pageOutput(blocks, { limit: 2, page: 2 }, 'record list')
  t.same(out[1], { kind: 'table', columns: ['Name'], rows: [['n3'], ['n4']], empty: undefined })
  t.same(out[2], { kind: 'text', text: 'rows 3-4 of 5, page 2 of 3; next: record list --limit 2 --page 3', tone: 'muted' })
  t.same(out[0], blocks[0])
  t.same(out[3], blocks[2])
})

t.test('the last page has no "next", a page past the end says so', async (t) => {
  t.same(pageOutput(blocks, { limit: 2, page: 3 }, 'x')[2], { kind: 'text', text: 'rows 5-5 of 5, page 3 of 3', tone: 'muted' })
  const past = pageOutput(blocks, { limit: 2, page: 9 }, 'x')
  t.same(past[1], { kind: 'table', columns: ['Name'], rows: [], empty: '(no rows on this page)' })
  t.same(past[2], { kind: 'text', text: 'no rows on page 9 (5 rows, 3 pages)', tone: 'muted' })
  t.same(pageOutput([{ kind: 'table', columns: ['A'], rows: [] }], { limit: 1, page: 1 }, 'x')[1], { kind: 'text', text: 'no rows on page 1 (0 rows, 1 page)', tone: 'muted' })
})

t.test('output without a table is unchanged', async (t) => {
  t.same(pageOutput([{ kind: 'text', text: 'hi' }], { limit: 1, page: 1 }, 'x'), [{ kind: 'text', text: 'hi' }])
})
