import t from 'tap'
import { checkToken, secretsEqual } from '../../../src/cluster/session/tokens.js'

t.test('compares secrets exactly, whatever their lengths', async (t) => {
  t.ok(secretsEqual('abc', 'abc'))
  t.notOk(secretsEqual('abc', 'abd'))
  t.notOk(secretsEqual('abc', 'abcd'))
  t.notOk(secretsEqual('', 'x'))
})

t.test('auth rule: configured token trimmed and non-empty; received token not trimmed', async (t) => {
  const cases: [string, string | undefined, string][] = [
    ['s3cret', ' s3cret\n', 'ok'],
    [' s3cret', 's3cret', 'bad_token'],
    ['', '', 'no_token'],
    ['anything', '   ', 'no_token'],
    ['x', undefined, 'no_token'],
    ['wrong', 's3cret', 'bad_token'],
  ]
  for (const [received, configured, want] of cases) t.equal(checkToken(received, configured), want, `${JSON.stringify(received)} vs ${JSON.stringify(configured)}`)
})
