import t from 'tap'
import {
  clusterToken,
  clusterTokenProblem,
  clusterTokenWeakness,
  EXAMPLE_CLUSTER_TOKENS,
  MIN_CLUSTER_TOKEN_CHARS,
  RECOMMENDED_CLUSTER_TOKEN_CHARS,
} from '../../src/config/cluster-token.js'

t.test('clusterToken trims surrounding whitespace; absent is empty', async (t) => {
  t.equal(clusterToken('  abc-def-ghi \n'), 'abc-def-ghi')
  t.equal(clusterToken(undefined), '')
  t.equal(clusterToken('   '), '')
})

t.test('clusterTokenProblem: "" is allowed (no token), blank or short values are refused', async (t) => {
  const cases: [string, RegExp | undefined][] = [
    ['', undefined],
    [' ', /only whitespace/],
    ['      ', /only whitespace/],
    ['\t\n', /only whitespace/],
    ['a'.repeat(MIN_CLUSTER_TOKEN_CHARS - 1), /at least 8 characters/],
    [`   ${'a'.repeat(MIN_CLUSTER_TOKEN_CHARS - 1)}   `, /at least 8 characters/],
    ['a'.repeat(MIN_CLUSTER_TOKEN_CHARS), undefined],
    ['cluster-secret', undefined],
  ]
  for (const [raw, want] of cases) {
    const got = clusterTokenProblem(raw)
    if (want) t.match(got, want, JSON.stringify(raw))
    else t.equal(got, undefined, JSON.stringify(raw))
    if (got && raw.trim()) t.notOk(got.includes(raw.trim()), 'the message does not repeat the value')
  }
})

t.test('clusterTokenWeakness: short tokens and the documentation examples warn, long random ones do not', async (t) => {
  t.equal(clusterTokenWeakness(''), undefined, 'no token: nothing to warn about here')
  t.match(clusterTokenWeakness('a'.repeat(RECOMMENDED_CLUSTER_TOKEN_CHARS - 1)), /shorter than 16/)
  t.equal(clusterTokenWeakness('a'.repeat(RECOMMENDED_CLUSTER_TOKEN_CHARS)), undefined)
  for (const ex of EXAMPLE_CLUSTER_TOKENS) t.match(clusterTokenWeakness(` ${ex} `), /example value/, ex)
})
