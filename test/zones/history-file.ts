import t from 'tap'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'
import { historyDirFor, historyFileName, HistoryFileWriter, MAX_OPEN_HISTORY_FILES, maxFileBytes, readHistory, recordStep, restoreHistories } from '../../src/zones/history-file.js'
import { ZoneTracker, type ZoneTrackerOptions } from '../../src/zones/zone-tracker.js'
import { tempDir } from '../helpers/fs.js'

const T0 = 1_800_000_000
const iso = (s: number) => new Date(s * 1000).toISOString()
const rec = (name: string, type: string, value: string, updated = T0): DnsRecord => ({
  name, type, value, ttl: 300, added_on: GO_ZERO_TIME, updated_on: iso(updated), last_query: GO_ZERO_TIME,
})
const BASE = [rec('z.test', 'SOA', 'ns.z.test. h.z.test. 1 3600 900 604800 300'), rec('z.test', 'NS', 'ns.z.test.')]

function logger() {
  const lines: string[] = []
  return { lines, info: (_o: object, m: string) => void lines.push('info ' + m), warn: (_o: object, m: string) => void lines.push('warn ' + m) }
}

/** A node's tracker and writer over `dir`; `steps` adds one record per step and persists each step. */
async function node(dir: string, records: DnsRecord[], opts: ZoneTrackerOptions = { maxDiffs: 10, maxBytes: 1_000_000 }) {
  const tracker = new ZoneTracker(opts)
  tracker.load(records, new Map(), T0)
  const errors: unknown[] = []
  const writer = new HistoryFileWriter(dir, opts, (e) => errors.push(e))
  const log = logger()
  await restoreHistories(tracker, writer, dir, opts, log)
  let current = records
  const step = (i: number) => {
    current = [...current, rec(`h${i}.z.test`, 'A', `192.0.2.${i}`, T0 + i)]
    for (const c of tracker.update(current, T0 + i)) recordStep(tracker, writer, c.apex, c.from, c.to)
  }
  return { tracker, writer, log, errors, step, records: () => current }
}

t.test('file names and places', async (t) => {
  t.equal(historyDirFor('/etc/dnsplane/dnsplane.json'), '/etc/dnsplane/zone_history')
  t.match(historyFileName('example.com'), /^example\.com-[0-9a-f]{8}\.ixfr$/)
  t.match(historyFileName(''), /^root-/)
  t.match(historyFileName('we/ird\\.zone'), /^we_ird_.zone-/)
  t.not(historyFileName('a/b'), historyFileName('a_b'), 'the digest keeps names that sanitize alike apart')
})

t.test('the history is written as it grows and read back after a "restart"; compacted at twice the budget', async (t) => {
  const dir = await tempDir(t)
  const a = await node(dir, BASE, { maxDiffs: 3, maxBytes: 1_000_000 })
  for (let i = 1; i <= 5; i++) a.step(i)
  await a.writer.flush()
  t.same(a.errors, [])
  const file = join(dir, historyFileName('z.test'))
  const lines = (await readFile(file, 'utf8')).trim().split('\n')
  t.ok(lines.length <= 6, `compacted (${lines.length} lines)`)
  const b = await node(dir, a.records(), { maxDiffs: 3, maxBytes: 1_000_000 })
  t.equal(b.tracker.serialOf('z.test'), T0 + 5)
  t.same(b.tracker.diffsSince('z.test', T0 + 2)?.map((d) => d.to), [T0 + 3, T0 + 4, T0 + 5], 'three kept (the budget)')
  t.equal(b.tracker.diffsSince('z.test', T0 + 1), undefined)
  t.match(b.log.lines, ['info zone history restored'])
  b.step(6)
  await b.writer.flush()
  const c = await node(dir, b.records(), { maxDiffs: 3, maxBytes: 1_000_000 })
  t.same(c.tracker.diffsSince('z.test', T0 + 3)?.map((d) => d.to), [T0 + 4, T0 + 5, T0 + 6], 'appends after a restore continue the chain')
  await c.writer.flush()
})

t.test('a history that does not end at the zone loaded is dropped and its file removed', async (t) => {
  const dir = await tempDir(t)
  const a = await node(dir, BASE)
  a.step(1)
  a.step(2)
  await a.writer.flush()
  // the records changed while the node was down: content (and serial) differ from the history's end
  const edited = [...a.records(), rec('late.z.test', 'A', '192.0.2.99', T0 + 50)]
  const b = await node(dir, edited)
  t.equal(b.tracker.diffsSince('z.test', T0), undefined)
  t.match(b.log.lines, ['info zone history does not end at the zone loaded: dropped (IXFR answers the whole zone until new changes)'])
  await b.writer.flush()
  t.same(await readdir(dir), [], 'the stale file is gone')
})

t.test('a damaged file is read up to the damage, warned about and rewritten; an oversized one is not read', async (t) => {
  const dir = await tempDir(t)
  const a = await node(dir, BASE)
  a.step(1)
  a.step(2)
  await a.writer.flush()
  const file = join(dir, historyFileName('z.test'))
  await writeFile(file, (await readFile(file, 'utf8')) + '{"half a line')
  const b = await node(dir, a.records())
  t.match(b.log.lines, ['warn zone history file damaged: read up to the damage', 'info zone history restored'])
  t.same(b.tracker.diffsSince('z.test', T0)?.length, 2, 'both complete lines kept')
  await b.writer.flush()
  t.notMatch(await readFile(file, 'utf8'), /half a line/, 'the torn tail is gone before anything is appended')

  const opts = { maxDiffs: 10, maxBytes: 10 }
  await writeFile(file, 'x'.repeat(maxFileBytes(opts) + 1))
  const big = await readHistory(dir, 'z.test', opts)
  t.match(big, { diffs: [], cut: /larger than/ })
  await writeFile(file, '')
  t.match(await readHistory(dir, 'z.test', opts), { diffs: [], cut: undefined, fileBytes: 0 })
  t.same(await readHistory(dir, 'gone.test', opts), { diffs: [], restarted: false, fileBytes: 0, lines: 0 })
})

t.test('an unreadable file and a failed write are reported, never thrown; the next write replaces the file', async (t) => {
  const dir = await tempDir(t)
  await mkdir(join(dir, historyFileName('z.test'))) // a directory where the file should be
  const r = await readHistory(dir, 'z.test', { maxDiffs: 10, maxBytes: 1000 })
  t.match(r, { diffs: [], cut: /unreadable/ })
  const a = await node(dir, BASE)
  a.step(1)
  await a.writer.flush()
  t.equal(a.errors.length >= 1, true, 'the write failed and was reported')
  t.ok((await stat(join(dir, historyFileName('z.test')))).isDirectory())
})

t.test('zones that appear or go start over with no file', async (t) => {
  const dir = await tempDir(t)
  const a = await node(dir, [])
  for (const c of a.tracker.update(BASE, T0 + 1)) recordStep(a.tracker, a.writer, c.apex, c.from, c.to)
  for (const c of a.tracker.update([...BASE, rec('n.z.test', 'A', '192.0.2.1', T0 + 2)], T0 + 2)) recordStep(a.tracker, a.writer, c.apex, c.from, c.to)
  await a.writer.flush()
  t.equal((await readdir(dir)).length, 1)
  for (const c of a.tracker.update([], T0 + 3)) recordStep(a.tracker, a.writer, c.apex, c.from, c.to)
  await a.writer.flush()
  t.same(await readdir(dir), [], 'the zone went: its file too')
})

t.test('changes that land while an append runs are appended together, in order, and a rewrite between them keeps the file whole', async (t) => {
  const dir = await tempDir(t)
  const opts = { maxDiffs: 100, maxBytes: 1_000_000 }
  const tracker = new ZoneTracker(opts)
  tracker.load(BASE, new Map(), T0)
  const appends: string[] = []
  const writer = new HistoryFileWriter(dir, opts, (e) => t.fail(String(e)), async (path, text) => {
    appends.push(text)
    await writeFile(path, text, { flag: 'a' })
  })
  let current = BASE
  const step = (i: number) => {
    current = [...current, rec(`h${i}.z.test`, 'A', `192.0.2.${i}`, T0 + i)]
    for (const c of tracker.update(current, T0 + i)) recordStep(tracker, writer, c.apex, c.from, c.to)
  }
  writer.rewrite('z.test', tracker.historyOf('z.test')) // an empty file known to the writer: later steps append
  await writer.flush()
  for (let i = 1; i <= 20; i++) step(i)
  await writer.flush()
  t.equal(appends.length, 1, `20 changes in one turn: one append (${appends.length})`)
  t.equal(appends[0].split('\n').length - 1, 20)
  for (let i = 21; i <= 25; i++) step(i)
  writer.rewrite('z.test', tracker.historyOf('z.test'))
  for (let i = 26; i <= 30; i++) step(i)
  await writer.flush()
  t.equal(appends.length, 3, 'the append before the rewrite, and one after it')
  const read = await readHistory(dir, 'z.test', opts)
  t.same(read.diffs.map((d) => d.to), tracker.historyOf('z.test').map((d) => d.to), 'the file holds what memory holds, in order')
  t.equal(read.lines, 30)
})

t.test('more zones than files kept open: each zone reopens its file and every line lands in order', async (t) => {
  const dir = await tempDir(t)
  const opts = { maxDiffs: 100, maxBytes: 1_000_000 }
  const zones = Array.from({ length: MAX_OPEN_HISTORY_FILES + 4 }, (_, i) => `z${i}.test`)
  let current = zones.flatMap((z) => [rec(z, 'SOA', `ns.${z}. h.${z}. 1 3600 900 604800 300`), rec(z, 'NS', `ns.${z}.`)])
  const tracker = new ZoneTracker(opts)
  tracker.load(current, new Map(), T0)
  const writer = new HistoryFileWriter(dir, opts, (e) => t.fail(String(e)))
  for (const z of zones) writer.rewrite(z, tracker.historyOf(z))
  for (let round = 1; round <= 3; round++) {
    for (const z of zones) {
      current = [...current, rec(`h${round}.${z}`, 'A', `192.0.2.${round}`, T0 + round)]
      for (const c of tracker.update(current, T0 + round)) recordStep(tracker, writer, c.apex, c.from, c.to)
      await new Promise((r) => setImmediate(r)) // let the append run: zones take turns on the open files
    }
  }
  await writer.flush()
  for (const z of zones) {
    const read = await readHistory(dir, z, opts)
    t.same(read.diffs.map((d) => d.to), tracker.historyOf(z).map((d) => d.to), `${z}: the file holds what memory holds`)
  }
  t.equal(tracker.historyOf(zones[0]).length, 3)
})
