import t from 'tap'
import { tokenize, tokenizePresentation } from '../../../src/dns/wire/presentation.js'

const texts = (v: string): string[] | undefined => tokenize(v)?.map((x) => x.text)
const strings = (v: string): string[] | undefined => tokenize(v)?.map((x) => x.bytes.toString('latin1'))

t.test('splits on blanks and keeps a quoted string whole', async (t) => {
  t.same(texts('0 issue "lets encrypt.org"'), ['0', 'issue', 'lets encrypt.org'])
  t.same(tokenize('a "b c"')?.map((x) => x.quoted), [false, true])
  t.same(texts(' \ta\t\tb  '), ['a', 'b'])
  t.same(texts(''), [])
  t.same(texts('""'), [''])
})

t.test('an escaped quote does not end a quoted string', async (t) => {
  t.same(texts('"a \\" b" c'), ['a \\" b', 'c'], 'raw text keeps the escape')
  t.same(strings('"a \\" b" c'), ['a " b', 'c'], 'bytes resolve it')
})

t.test('resolves \\X and \\DDD escapes in the bytes, keeps them in the text', async (t) => {
  t.same(strings('a\\ b'), ['a b'], 'an escaped space does not split')
  t.same(strings('\\065\\066 \\\\'), ['AB', '\\'])
  t.same(texts('a\\.b.example.'), ['a\\.b.example.'])
  t.same(strings('"\\255\\000"'), ['\xff\x00'])
})

t.test('refuses bad escapes and unclosed quotes, saying which', async (t) => {
  const problem = (v: string): string | undefined => {
    const r = tokenizePresentation(v)
    return r.ok ? undefined : r.problem
  }
  t.match(problem('"open'), /unclosed quote/)
  t.match(problem('a "b'), /unclosed quote/)
  t.match(problem('"a\\"'), /unclosed quote/, 'the closing quote is escaped')
  t.match(problem('\\256'), /bad escape/)
  t.match(problem('\\12'), /bad escape/)
  t.match(problem('\\1a3'), /bad escape/)
  t.match(problem('abc\\'), /bad escape/)
})

t.test('ignores parentheses and a ; comment (RFC 1035 5.1)', async (t) => {
  t.same(texts('a ( b c ) ; comment'), ['a', 'b', 'c'])
  t.same(texts('"x ; y" ; z'), ['x ; y'], 'a ; inside quotes is text')
  t.same(texts('"(x)"'), ['(x)'])
  t.same(texts('a"b c"'), ['a', 'b c'], 'a quote ends a bare word')
})

t.test('keeps UTF-8 text intact', async (t) => {
  t.same(texts('café "naïve x"'), ['café', 'naïve x'])
  t.same(tokenize('"é"')?.[0].bytes, Buffer.from('é', 'utf8'))
})
