import t from 'tap'
import { formatDuration, formatTable, MAX_CELL_CHARS, renderBlock, renderBlocks, sanitize, sparkline, wrapText } from '../../src/tui/format.js'

t.test('tables align columns and cut long cells', async (t) => {
  t.equal(formatTable(['Name', 'TTL'], [['a.example', '60'], ['b', '3600']]), 'Name       TTL\n---------  ----\na.example  60\nb          3600')
  const long = formatTable(['V'], [['x'.repeat(200)]]).split('\n')[2]
  t.equal(long.length, MAX_CELL_CHARS)
  t.ok(long.endsWith('…'))
})

t.test('renders each block kind; errors carry details and hints', async (t) => {
  const text = renderBlocks([
    { kind: 'text', text: 'hello' },
    { kind: 'table', columns: ['A'], rows: [], empty: 'nothing' },
    { kind: 'json', value: { a: 1 } },
    { kind: 'error', message: 'boom', details: ['why'], hint: 'fix it' },
  ])
  t.equal(text, 'hello\nnothing\n{\n  "a": 1\n}\nerror: boom\n  why\nhint: fix it\n')
  t.match(renderBlocks([{ kind: 'error', message: 'red' }], { color: true }), '\u001b[31merror: red')
  t.equal(renderBlocks([]), '')
})

t.test('daemon text cannot carry terminal escapes', async (t) => {
  t.equal(sanitize('a\u001b[2Jb'), 'a\uFFFD[2Jb')
  t.equal(renderBlocks([{ kind: 'table', columns: ['V'], rows: [['\u001b]0;x\u0007']] }]).includes('\u001b'), false)
})

t.test('durations and sparklines', async (t) => {
  t.equal(formatDuration(0), '0s')
  t.equal(formatDuration(3661), '1h 1m 1s')
  t.equal(formatDuration(90061), '1d 1h 1m 1s')
  t.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 0, 7), '▁▂▃▄▅▆▇█')
  t.equal(sparkline([5, 5]), '▁▁')
  t.equal(sparkline([]), '')
  t.equal(sparkline([2, 0.5], 0, 1), '█▅')
})

t.test('help tables wrap their last column instead of cutting it', async (t) => {
  const long = 'word '.repeat(30).trim()
  const out = formatTable(['Command', 'Description'], [['add', long]], { wrap: true, width: 40 })
  t.notMatch(out, '…')
  const lines = out.split('\n')
  t.ok(lines.every((l) => l.length <= 40), 'every line fits the width')
  t.equal(lines.slice(2).join(' ').replace(/\s+/g, ' ').trim(), `add ${long}`, 'all words kept, in order')
  t.match(lines[3], /^ {9}word/, 'continuation lines are indented under their column')
  t.match(formatTable(['A', 'B'], [['x', 'y'.repeat(100)]]), '…', 'data tables are still cut')
  t.equal(renderBlock({ kind: 'table', columns: ['A', 'B'], rows: [['x', 'one two']], wrap: true }, { width: 30 }), 'A  B\n-  -------\nx  one two')
})

t.test('wrapText splits words longer than the width', async (t) => {
  t.same(wrapText('abcdefgh ij', 3), ['abc', 'def', 'gh', 'ij'])
  t.same(wrapText('a b c', 3), ['a b', 'c'])
  t.same(wrapText('', 5), [''])
  t.same(wrapText('x', 0), ['x'])
})
