import t from 'tap'
import { describeError, errorBodyFor, HTTP_STATUS_BY_CODE, isV1Path, legacyErrorBody, v1ErrorBody } from '../../src/api/error-response.js'
import { DnsplaneError, ERROR_CODES } from '../../src/errors.js'

t.test('every error code has an HTTP status', async (t) => {
  for (const code of ERROR_CODES) t.ok(HTTP_STATUS_BY_CODE[code] >= 400, code)
})

t.test('maps the codes callers act on to their statuses', async (t) => {
  const cases: Array<[keyof typeof HTTP_STATUS_BY_CODE, number]> = [
    ['ERR_RECORD_NOT_FOUND', 404],
    ['ERR_RECORD_INVALID', 400],
    ['ERR_RECORD_CONFLICT', 409],
    ['ERR_LOCAL_WRITES_DISABLED', 403],
    ['ERR_READ_ONLY_SOURCE', 403],
    ['ERR_UNAUTHORIZED', 401],
    ['ERR_CONFIG_INVALID', 400],
    ['ERR_CLUSTER_DISABLED', 409],
    ['ERR_PEER_UNREACHABLE', 502],
    ['ERR_INTERNAL', 500],
  ]
  for (const [code, status] of cases) t.equal(describeError(new DnsplaneError(code, 'm')).status, status, code)
})

t.test('an unexpected error becomes 500 internal error without its message', async (t) => {
  const d = describeError(new TypeError('cannot read x of /home/secret'))
  t.same(d, { status: 500, code: 'ERR_INTERNAL', message: 'internal error', internal: true })
  t.same(legacyErrorBody(d), { error: 'internal error' })
  t.same(describeError(undefined).status, 500)
})

t.test('a fastify validation error lists one message per field', async (t) => {
  const err = Object.assign(new Error('x'), {
    validation: [{ instancePath: '/ttl', message: 'must be integer' }, { instancePath: '/name', message: 'is required' }],
    validationContext: 'body',
  })
  const d = describeError(err)
  t.equal(d.status, 400)
  t.same(legacyErrorBody(d), { error: 'invalid arguments', messages: ['body/ttl must be integer', 'body/name is required'] })
  t.same(v1ErrorBody(d), {
    error: { code: 'ERR_BAD_REQUEST', message: 'body/ttl must be integer, body/name is required', messages: ['body/ttl must be integer', 'body/name is required'] },
  })
})

t.test('fastify client errors keep their status and message', async (t) => {
  const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' })
  t.same(describeError(tooLarge), { status: 413, code: 'ERR_BAD_REQUEST', message: 'Request body is too large', invalidInput: false })
  const badJson = Object.assign(new Error('Body is not valid JSON'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' })
  t.same(legacyErrorBody(describeError(badJson)), { error: 'invalid input' })
})

t.test('legacy bodies follow the original; v1 bodies carry code and message', async (t) => {
  const invalid = describeError(new DnsplaneError('ERR_RECORD_INVALID', 'value must be an IP'))
  t.same(legacyErrorBody(invalid), { error: 'invalid arguments', messages: ['value must be an IP'] })
  const forbidden = describeError(new DnsplaneError('ERR_LOCAL_WRITES_DISABLED', 'no local writes'))
  t.same(legacyErrorBody(forbidden), { error: 'no local writes' })
  t.same(errorBodyFor('/api/v1/cluster', forbidden), { error: { code: 'ERR_LOCAL_WRITES_DISABLED', message: 'no local writes' } })
  t.same(errorBodyFor('/dns/records', forbidden), { error: 'no local writes' })
})

t.test('isV1Path matches /api/v1 and below only', async (t) => {
  t.ok(isV1Path('/api/v1/status'))
  t.ok(isV1Path('/api/v1?x=1'))
  t.notOk(isV1Path('/api/v10/status'))
  t.notOk(isV1Path('/dns/records'))
})
