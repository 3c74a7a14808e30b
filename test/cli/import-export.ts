/**
 * `records import`, `zone import` and `zone export` against a real daemon over its control socket:
 * the export passes kzonecheck (skipped with a message when it is missing), re-importing it gives
 * the same records, a broken file names its line and writes nothing, replace shows what it deletes.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { exportZone, importRecords, importZone, recordsFromJsonText } from '../../src/cli/commands/import-export.js'
import { createDaemonClient } from '../../src/tui/daemon-client.js'
import { startTestNode } from '../helpers/daemon.js'

const hasKzonecheck = spawnSync('kzonecheck', ['--version']).status === 0

function sink(tty = false) {
  const out: string[] = []
  return { out, stream: { write: (s: string) => out.push(s), isTTY: tty }, text: () => out.join('') }
}

const ZONE = `$ORIGIN example.com.
$TTL 300
@ SOA ns1 hostmaster ( 2024010101 1h 15m 1w 5m )
  NS ns1
ns1 A 192.0.2.1
www CNAME @
@ MX 10 mail
mail A 192.0.2.3
txt TXT "hello world" "second"
_sip._tcp SRV 10 5 5060 sip
`

t.test('zone import, export, kzonecheck, re-import; broken files; records import; replace', async (t) => {
  const node = await startTestNode({ records_mass_delete_guard_percent: 50 }, { records: { records: [] } })
  t.teardown(() => node.daemon.stop())
  const client = createDaemonClient({ target: { kind: 'unix', path: join(node.dir, 'ctl.sock'), display: 'ctl.sock' } })
  const names = () => node.daemon.records.list().map((r) => `${r.name} ${r.type} ${r.value} ${r.ttl}`).sort()
  const zoneFile = join(node.dir, 'example.com.zone')
  await writeFile(zoneFile, ZONE)

  const out = sink()
  const err = sink(true)
  t.equal(await importZone(client, zoneFile, { stdout: out.stream, stderr: err.stream }), 0, err.text())
  t.match(err.text(), 'parsed 8 records from 1 file')
  t.match(out.text(), 'added 8, updated 0, unchanged 0, deleted 0; 8 records')
  const imported = names()
  t.equal(imported.length, 8)

  // Export: stdout and --output; kzonecheck accepts it.
  const exp = sink()
  t.equal(await exportZone(client, 'example.com', { stdout: exp.stream, stderr: sink().stream }), 0)
  t.match(exp.text(), /\nexample\.com\. 300 IN SOA ns1\.example\.com\. hostmaster\.example\.com\. 2024010101 3600 900 604800 300\n/)
  const exported = join(node.dir, 'export.zone')
  const expErr = sink()
  t.equal(await exportZone(client, 'example.com', { stdout: sink().stream, stderr: expErr.stream }, { output: exported }), 0)
  t.match(expErr.text(), `wrote 8 records of example.com to ${exported}`)
  if (hasKzonecheck) {
    const check = spawnSync('kzonecheck', ['-o', 'example.com', exported], { encoding: 'utf8' })
    t.equal(check.status, 0, `${check.stdout}${check.stderr}`)
  } else t.comment('kzonecheck (knot-dnssecutils) not installed: the exported zone was not checked with it')

  // Re-import with --replace: nothing changes.
  const again = sink()
  t.equal(await importZone(client, exported, { stdout: again.stream, stderr: sink().stream }, { replace: true }), 0)
  t.match(again.text(), 'added 0, updated 0, unchanged 8, deleted 0; 8 records')
  t.same(names(), imported)

  // A broken file: its line is named and nothing is written.
  const broken = join(node.dir, 'broken.zone')
  await writeFile(broken, ZONE + 'bad A 192.0.2.999\n')
  const bErr = sink()
  t.equal(await importZone(client, broken, { stdout: sink().stream, stderr: bErr.stream }), 1)
  t.match(bErr.text(), `${broken}:11: value: must be an IPv4 address`)
  t.match(bErr.text(), 'nothing was written')
  t.same(names(), imported)

  // Rejected by the daemon (outside the replaced zone): named by file:line too.
  const outside = join(node.dir, 'outside.zone')
  await writeFile(outside, '$TTL 60\nexample.com. SOA a. b. 1 1 1 1 1\nother.net. A 192.0.2.1\n')
  const oErr = sink()
  t.equal(await importZone(client, outside, { stdout: sink().stream, stderr: oErr.stream }, { replace: true }), 1)
  t.match(oErr.text(), `${outside}:3: name: other.net is outside zone example.com`)
  t.same(names(), imported)

  // records import (our JSON, NDJSON): add 30 hosts; then a replace that deletes them is held by the guard.
  const hosts = Array.from({ length: 30 }, (_, i) => ({ name: `h${i}.example.com`, type: 'A', value: `192.0.2.${i + 10}`, ttl: 60 }))
  const json = join(node.dir, 'hosts.json')
  await writeFile(json, JSON.stringify({ records: hosts }))
  t.equal(await importRecords(client, json, { stdout: sink().stream, stderr: sink().stream }), 0)
  t.equal(names().length, 38)
  const rErr = sink()
  t.equal(await importZone(client, exported, { stdout: sink().stream, stderr: rErr.stream }, { replace: true }), 1)
  t.match(rErr.text(), 'replace: will add 0, update 0 and delete 30 records')
  t.match(rErr.text(), 'Repeat with --confirm-delete 30')
  t.equal(names().length, 38, 'held: nothing deleted')
  const dry = sink()
  t.equal(await importZone(client, exported, { stdout: dry.stream, stderr: sink().stream }, { replace: true, dryRun: true }), 0)
  t.match(dry.text(), 'dry run, nothing written: would add 0')
  const conf = sink()
  t.equal(await importZone(client, exported, { stdout: conf.stream, stderr: sink().stream }, { replace: true, confirmDelete: '30', json: true }), 0)
  t.match(JSON.parse(conf.text()), { deleted: 30, total_after: 8 })
  t.same(names(), imported)

  // A broken JSON file and a bad record in it.
  await writeFile(json, '[{"name":')
  const jErr = sink()
  t.equal(await importRecords(client, json, { stdout: sink().stream, stderr: jErr.stream }), 1)
  t.match(jErr.text(), 'nothing was written')
  await writeFile(json, JSON.stringify([hosts[0], { ...hosts[1], value: 'x' }]))
  const vErr = sink()
  t.equal(await importRecords(client, json, { stdout: sink().stream, stderr: vErr.stream }), 1)
  t.match(vErr.text(), `${json}: record 1: value: must be an IPv4 address`)
  t.same(names(), imported)

  // Export of a zone without SOA.
  const nErr = sink()
  t.equal(await exportZone(client, 'nowhere.example', { stdout: sink().stream, stderr: nErr.stream }), 1)
  t.match(nErr.text(), 'has no SOA record')
  t.ok((await readFile(exported, 'utf8')).length > 0)
})

t.test('our JSON formats', async (t) => {
  t.same(recordsFromJsonText('[1]'), [1])
  t.same(recordsFromJsonText('{"records":null}'), [])
  t.same(recordsFromJsonText('{"a":1}\n{"b":2}\n'), [{ a: 1 }, { b: 2 }])
  t.throws(() => recordsFromJsonText('{"a":1}'), /expected a JSON array/)
})
