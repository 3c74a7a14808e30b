import t from 'tap'
import { isPretty, logFormatFrom, prettyLine } from '../src/log-pretty.js'

t.test('a pino line becomes time, level, component, message and key=value fields', async (t) => {
  const line = JSON.stringify({ level: 'info', time: '2026-11-28T23:05:01.123Z', component: 'cluster', msg: 'snapshot applied', peer: '10.0.0.2:7946', n: 3, text: 'two words', obj: { a: 1 } })
  t.equal(prettyLine(line, false), '23:05:01.123 INFO  cluster snapshot applied peer=10.0.0.2:7946 n=3 text="two words" obj={"a":1}\n')
  t.equal(prettyLine(JSON.stringify({ level: 'error', time: 0, msg: 'x' }), true), '\u001b[2m00:00:00.000\u001b[0m \u001b[31mERROR\u001b[0m x\n')
})

t.test('an error\'s stack is indented under the line; odd input passes through', async (t) => {
  const out = prettyLine(JSON.stringify({ level: 'warn', msg: 'failed', err: { message: 'boom', stack: 'Error: boom\n    at f' } }), false)
  t.equal(out, ' WARN  failed\n    Error: boom\n        at f\n')
  t.equal(prettyLine(JSON.stringify({ level: 30, err: { message: 'm' } }), false), ' 30   \n    m\n')
  t.equal(prettyLine('not json', false), 'not json\n')
  t.equal(prettyLine('not json\n', false), 'not json\n')
})

t.test('format choice: auto follows the terminal, env DNSPLANE_LOG_FORMAT forces one', async (t) => {
  const tty = { isTTY: true } as unknown as NodeJS.WritableStream
  const pipe = {} as NodeJS.WritableStream
  t.equal(isPretty('auto', tty), true)
  t.equal(isPretty('auto', pipe), false)
  t.equal(isPretty('pretty', pipe), true)
  t.equal(isPretty('json', tty), false)
  t.equal(logFormatFrom({ DNSPLANE_LOG_FORMAT: ' JSON ' }), 'json')
  t.equal(logFormatFrom({ DNSPLANE_LOG_FORMAT: 'pretty' }), 'pretty')
  t.equal(logFormatFrom({ DNSPLANE_LOG_FORMAT: 'xml' }), 'auto')
  t.equal(logFormatFrom({}), 'auto')
})
