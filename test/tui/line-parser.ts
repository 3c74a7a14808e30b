import t from 'tap'
import { MAX_LINE_CHARS, parseLine, parsePartialLine, quoteArg } from '../../src/tui/line-parser.js'

t.test('splits lines into arguments with quotes and escapes', async (t) => {
  const cases: [string, string[]][] = [
    ['', []],
    ['   ', []],
    ['record list', ['record', 'list']],
    ['  record   list  ', ['record', 'list']],
    ['record add txt.example.com TXT "v=spf1 -all"', ['record', 'add', 'txt.example.com', 'TXT', 'v=spf1 -all']],
    ["record add a TXT 'single \"quoted\"'", ['record', 'add', 'a', 'TXT', 'single "quoted"']],
    ['say "a \\"b\\" c"', ['say', 'a "b" c']],
    ['say "back\\\\slash"', ['say', 'back\\slash']],
    ['say "keep \\n literal"', ['say', 'keep \\n literal']],
    ['say a\\ b', ['say', 'a b']],
    ['say ""', ['say', '']],
    ['say x"y z"w', ['say', 'xy zw']],
    ["say 'a\\b'", ['say', 'a\\b']],
    ['tab\tseparated', ['tab', 'separated']],
  ]
  for (const [line, args] of cases) t.same(parseLine(line), { ok: true, args }, JSON.stringify(line))
})

t.test('rejects unterminated quotes, a trailing backslash and over-long lines', async (t) => {
  t.same(parseLine('say "open'), { ok: false, error: 'unterminated " quote' })
  t.same(parseLine("say 'open"), { ok: false, error: "unterminated ' quote" })
  t.same(parseLine('say x\\'), { ok: false, error: 'line ends with a lone backslash' })
  t.equal(parseLine('x'.repeat(MAX_LINE_CHARS)).ok, true)
  t.equal(parseLine('x'.repeat(MAX_LINE_CHARS + 1)).ok, false)
})

t.test('partial parse reports the word being typed', async (t) => {
  t.same(parsePartialLine('record ad'), { args: ['record'], current: 'ad', openQuote: null })
  t.same(parsePartialLine('record '), { args: ['record'], current: '', openQuote: null })
  t.same(parsePartialLine('x "a b'), { args: ['x'], current: 'a b', openQuote: '"' })
  t.same(parsePartialLine(''), { args: [], current: '', openQuote: null })
})

t.test('quoteArg round-trips through parseLine', async (t) => {
  for (const arg of ['plain', 'with space', 'q"uote', "it's", 'back\\slash', '']) {
    t.same(parseLine(`cmd ${quoteArg(arg)}`), { ok: true, args: ['cmd', arg] }, arg)
  }
  t.equal(quoteArg('plain'), 'plain')
})
