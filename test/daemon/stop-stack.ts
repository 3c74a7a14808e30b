import t from 'tap'
import { StopStack } from '../../src/daemon/stop-stack.js'

function fakeLog() {
  const errors: Array<{ fields: unknown; msg: string }> = []
  return { errors, log: { error: (fields: unknown, msg: string) => void errors.push({ fields, msg }) } }
}

t.test('unwind runs the stops in reverse push order, awaiting each', async (t) => {
  const { log } = fakeLog()
  const stack = new StopStack(log)
  const order: string[] = []
  stack.push('records', () => void order.push('records'))
  stack.push('dns', async () => {
    await new Promise((r) => setImmediate(r))
    order.push('dns')
  })
  stack.push('api', () => void order.push('api'))
  t.same(stack.names(), ['records', 'dns', 'api'])
  await stack.unwind()
  t.same(order, ['api', 'dns', 'records'])
})

t.test('a failing stop is logged with its name and the later stops still run', async (t) => {
  const { log, errors } = fakeLog()
  const stack = new StopStack(log)
  const order: string[] = []
  stack.push('records', () => void order.push('records'))
  stack.push('cluster', () => {
    throw new Error('boom')
  })
  stack.push('api', async () => {
    order.push('api')
    throw new Error('async boom')
  })
  await stack.unwind()
  t.same(order, ['api', 'records'])
  t.equal(errors.length, 2)
  t.equal(errors[0]?.msg, 'stop failed')
  t.match(errors[0]?.fields, { component: 'api', err: { message: 'async boom' } })
  t.match(errors[1]?.fields, { component: 'cluster', err: { message: 'boom' } })
})

t.test('an onError handler replaces the log line', async (t) => {
  const { log, errors } = fakeLog()
  const stack = new StopStack(log)
  const seen: string[] = []
  stack.push('dns', () => {
    throw new Error('x')
  })
  await stack.unwind((name) => void seen.push(name))
  t.same(seen, ['dns'])
  t.equal(errors.length, 0)
})

t.test('a second unwind runs nothing again', async (t) => {
  const { log } = fakeLog()
  const stack = new StopStack(log)
  let runs = 0
  stack.push('records', () => void runs++)
  await stack.unwind()
  await stack.unwind()
  t.equal(runs, 1)
  t.same(stack.names(), [])
})
