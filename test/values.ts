import t from 'tap'
import { isJsonObject, isUint32, UINT32_MAX } from '../src/values.js'

t.test('UINT32_MAX is 2^32 - 1', async (t) => t.equal(UINT32_MAX, 2 ** 32 - 1))

t.test('isJsonObject is true only for plain objects', async (t) => {
  t.ok(isJsonObject({}))
  t.ok(isJsonObject({ a: 1 }))
  for (const v of [null, undefined, [], [1], 'x', 1, true]) t.notOk(isJsonObject(v), JSON.stringify(v) ?? 'undefined')
})

t.test('isUint32 accepts integers 0..UINT32_MAX only', async (t) => {
  for (const v of [0, 1, UINT32_MAX]) t.ok(isUint32(v), String(v))
  for (const v of [-1, UINT32_MAX + 1, 1.5, NaN, Infinity, '1', null]) t.notOk(isUint32(v), String(v))
})
