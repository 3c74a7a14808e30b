import t from 'tap'
import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readSerials, SerialFileWriter, serialPathFor } from '../../src/zones/serial-file.js'

t.test('zone_serials.json sits next to dnsplane.json; written atomically, read back; bad entries skipped', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-serials-'))
  const path = serialPathFor(join(dir, 'dnsplane.json'))
  t.equal(path, join(dir, 'zone_serials.json'))
  t.same([...(await readSerials(path))], [], 'missing file: nothing')
  const errors: unknown[] = []
  const w = new SerialFileWriter(path, (e) => errors.push(e))
  w.save({ 'a.test': { serial: 1, digest: 'd1' } })
  w.save({ 'a.test': { serial: 2, digest: 'd2' } }) // folded into the write after the one in flight
  await w.flush()
  t.same([...(await readSerials(path))], [['a.test', { serial: 2, digest: 'd2' }]])
  await writeFile(path, JSON.stringify({ zones: { ok: { serial: 5, digest: 'x' }, neg: { serial: -1, digest: 'x' }, big: { serial: 2 ** 32, digest: 'x' }, nodigest: { serial: 3 }, nul: null } }))
  t.same([...(await readSerials(path))], [['ok', { serial: 5, digest: 'x' }]])
  await writeFile(path, '{not json')
  t.same([...(await readSerials(path))], [], 'unreadable: nothing')
  await writeFile(path, '{"zones": 3}')
  t.same([...(await readSerials(path))], [])
  t.same(errors, [])
  const blocked = join(dir, 'sub')
  await mkdir(join(blocked, 'zone_serials.json'), { recursive: true }) // a directory where the file should be
  const bad = new SerialFileWriter(join(blocked, 'zone_serials.json'), (e) => errors.push(e))
  bad.save({})
  await bad.flush()
  t.equal(errors.length, 1, 'a failed write is reported, not thrown')
  t.match(await readFile(path, 'utf8'), '{"zones": 3}')
})
