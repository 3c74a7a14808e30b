import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import pino from 'pino'
import { buildBlockList } from '../../src/daemon/build-block.js'
import { StopStack } from '../../src/daemon/stop-stack.js'
import type { BuildContext } from '../../src/daemon/options.js'
import type { Config } from '../../src/config/schema.js'
import { waitFor } from '../helpers/daemon.js'

function context(files: string[]) {
  const lines: string[] = []
  const log = pino({ level: 'info' }, new Writable({ write(c, _e, cb) { lines.push(String(c)); cb() } }))
  const config = { adblock_list_files: files } as unknown as Config
  const stops = new StopStack(log)
  const ctx: BuildContext = { config, cfg: () => config, log, stops }
  return { ctx, lines, stops }
}

t.test('no files: no block list', async (t) => {
  t.equal(await buildBlockList(context([]).ctx), undefined)
})

t.test('loads every file, warns about skipped lines, reloads on change, keeps the old set when a file fails', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-block-'))
  const a = join(dir, 'a.txt')
  const b = join(dir, 'b.txt')
  await writeFile(a, '0.0.0.0 one.example\nnot a line\n')
  await writeFile(b, 'two.example\n')
  const { ctx, lines, stops } = context([a, b])
  t.teardown(() => stops.unwind())
  const list = await buildBlockList(ctx, 20)
  if (!list) throw new Error('no list')
  t.ok(list.has('one.example') && list.has('two.example'))
  t.ok(lines.some((l) => l.includes('lines skipped') && l.includes('"skipped":1')))

  await writeFile(b, 'three.example\nfour.example.\n')
  t.ok(await waitFor(() => list.has('three.example'), 10_000), 'reloaded after the change')
  t.notOk(list.has('two.example'))

  await rm(a)
  t.ok(await waitFor(() => lines.some((l) => l.includes('keeping the current list')), 10_000), 'reload failure logged')
  t.ok(list.has('one.example') && list.has('three.example'), 'the previous set still answers')
})

t.test('a file missing at start: the readable ones load, the error is logged', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-block-'))
  const a = join(dir, 'a.txt')
  await writeFile(a, 'one.example\n')
  const { ctx, lines, stops } = context([join(dir, 'missing.txt'), a])
  t.teardown(() => stops.unwind())
  const list = await buildBlockList(ctx, 20)
  t.equal(list?.size, 1)
  t.ok(lines.some((l) => l.includes('loading the readable ones')))
})
