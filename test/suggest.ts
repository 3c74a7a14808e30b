import t from 'tap'
import { closestMatch, didYouMean, editDistance, maxEditsFor } from '../src/suggest.js'

t.test('edit distance counts inserts, deletes, substitutions and swaps', async (t) => {
  const cases: [string, string, number][] = [
    ['', '', 0],
    ['record', 'record', 0],
    ['recrod', 'record', 1],
    ['stauts', 'status', 1],
    ['recor', 'record', 1],
    ['recordd', 'record', 1],
    ['rekord', 'record', 1],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['cluster_enabeld', 'cluster_enabled', 1],
  ]
  for (const [a, b, d] of cases) t.equal(editDistance(a, b), d, `${a} -> ${b}`)
})

t.test('the bound grows with the word', async (t) => {
  t.same([1, 4, 5, 8, 9, 30].map(maxEditsFor), [1, 1, 2, 2, 3, 3])
})

t.test('closest match within the bound, case-insensitive, first on ties', async (t) => {
  t.equal(closestMatch('recrod', ['record', 'dns', 'cache']), 'record')
  t.equal(closestMatch('STAUTS', ['status', 'pull']), 'status')
  t.equal(closestMatch('xyz', ['record', 'dns']), undefined)
  t.equal(closestMatch('ab', ['ac', 'ad']), 'ac')
  t.equal(closestMatch('', []), undefined)
})

t.test('didYouMean phrases the hint or says nothing', async (t) => {
  t.equal(didYouMean('recrod', ['record']), ' (did you mean "record"?)')
  t.equal(didYouMean('zzzzzz', ['record']), '')
})
