import { Type } from '@sinclair/typebox'
import t from 'tap'
import { isTruthyFlag, queryValue, typeboxValidatorCompiler } from '../../../src/api/routes/shared.js'

const compile = (schema: unknown) =>
  typeboxValidatorCompiler({ schema: schema as never, method: 'POST', url: '/x', httpPart: 'body' }) as (d: unknown) => {
    value?: unknown
    error?: Array<{ instancePath: string; message: string }>
  }

t.test('the validator passes valid data through unchanged (no coercion)', async (t) => {
  const v = compile(Type.Object({ ttl: Type.Integer() }))
  t.same(v({ ttl: 5 }), { value: { ttl: 5 } })
  t.same(v({ ttl: '5' }).error?.map((e) => `${e.instancePath} ${e.message}`), ['/ttl must be integer'])
})

t.test('the validator reports one message per field', async (t) => {
  const v = compile(Type.Object({ a: Type.String({ minLength: 1 }), b: Type.Boolean(), c: Type.Union([Type.Literal('x'), Type.Literal('y')]) }))
  t.same(v({ a: '', c: 'z' }).error?.map((e) => `${e.instancePath} ${e.message}`), [
    '/b is required',
    '/a must not be empty',
    '/c must be one of x, y',
  ])
})

t.test('the validator refuses a schema that is not TypeBox', async (t) => {
  t.throws(() => compile({ type: 'object' }))
})

t.test('queryValue takes the first of repeated keys and ignores non-strings', async (t) => {
  t.equal(queryValue({ a: ['1', '2'] }, 'a'), '1')
  t.equal(queryValue({ a: 'x' }, 'a'), 'x')
  t.equal(queryValue({}, 'a'), undefined)
  t.equal(queryValue(null, 'a'), undefined)
})

t.test('isTruthyFlag accepts 1, true and yes in any case', async (t) => {
  for (const v of ['1', 'true', 'TRUE', 'yes', ' Yes ']) t.ok(isTruthyFlag(v), v)
  for (const v of [undefined, '', '0', 'no', 'false', 'y']) t.notOk(isTruthyFlag(v), String(v))
})
