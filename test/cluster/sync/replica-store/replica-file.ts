import { chmodSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DnsplaneError } from '../../../../src/errors.js'
import { MAX_HLC_COUNTER, MAX_HLC_WALL } from '../../../../src/cluster/sync/lww/hlc.js'
import {
  loadReplicaFile,
  MAX_REPLICA_FILE_BYTES,
  parseReplicaFile,
  replicaPathFor,
  saveReplicaFile,
  serializeReplicaFile,
  type ReplicaFile,
} from '../../../../src/cluster/sync/replica-store/replica-file.js'
import { entryKey } from '../../../../src/cluster/sync/lww/replica.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../../src/store/record.js'
import { rejection, tempDir } from '../../../helpers/fs.js'

const withId: DnsRecord = {
  id: '0f6c4b1e-6a3b-4c59-9d0e-1b2c3d4e5f60',
  name: 'host.example',
  type: 'A',
  value: '10.0.0.1',
  ttl: 300,
  added_on: '2025-01-01T00:00:00Z',
  updated_on: '2025-01-02T03:04:05.5Z',
  mac: 'aa:bb:cc:dd:ee:ff',
  cache_record: true,
  last_query: GO_ZERO_TIME,
}
const noId: DnsRecord = {
  name: 'txt.example',
  type: 'TXT',
  value: '"quote" <tag> & \u2028 \u00e9',
  ttl: 60,
  added_on: GO_ZERO_TIME,
  updated_on: GO_ZERO_TIME,
  last_query: GO_ZERO_TIME,
}

const sample: ReplicaFile = {
  node_id: 'node-1',
  clock: { wall: 1_700_000_000_000, counter: 3 },
  records_hash: '2:0123456789abcdef',
  records_hash_before: '1:fedcba9876543210',
  entries: [
    { key: entryKey(withId), version: { wall: 1_700_000_000_000, counter: 0, node: 'node-1' }, record: withId },
    { key: entryKey(noId), version: { wall: 1, counter: 0, node: 'node-2' }, record: noId },
    { key: 'id:gone', version: { wall: 1_700_000_000_000, counter: 3, node: 'node-1' } },
  ],
}

/** The sample as a plain JSON object, to corrupt one field at a time. */
function sampleJson(): Record<string, unknown> {
  return JSON.parse(serializeReplicaFile(sample)) as Record<string, unknown>
}

t.test('lives next to dnsplane.json', async (t) => {
  t.equal(replicaPathFor('/etc/dnsplane/dnsplane.json'), '/etc/dnsplane/cluster_replica.json')
})

t.test('serialize then parse gives back the same file', async (t) => {
  t.same(parseReplicaFile(serializeReplicaFile(sample)), sample)
  const empty: ReplicaFile = { ...sample, entries: [] }
  t.same(parseReplicaFile(serializeReplicaFile(empty)), empty)
  const extremes: ReplicaFile = { ...sample, clock: { wall: MAX_HLC_WALL, counter: MAX_HLC_COUNTER } }
  t.same(parseReplicaFile(serializeReplicaFile(extremes)), extremes)
})

t.test('writes one entry per line, tombstones as "deleted": true', async (t) => {
  const lines = serializeReplicaFile(sample).trimEnd().split('\n')
  t.equal(lines.length, sample.entries.length + 2)
  t.match(lines[3], /"key":"id:gone".*"deleted":true/)
  t.notMatch(serializeReplicaFile({ ...sample, entries: [] }), /\n.*\n/, 'an empty replica is one line')
})

t.test('rebuilds a stored clock outside the codec range from the highest stored version instead of refusing the file', async (t) => {
  const highest = sample.entries.reduce((a, e) => (e.version.wall > a.wall || (e.version.wall === a.wall && e.version.counter > a.counter) ? e.version : a), { wall: 0, counter: 0 })
  const bad: [string, unknown][] = [
    ['missing clock', undefined],
    ['negative wall', { wall: -1, counter: 0 }],
    ['wall above MAX_HLC_WALL (what a frozen node saved)', { wall: MAX_HLC_WALL + 1, counter: 0 }],
    ['fractional wall', { wall: 1.5, counter: 0 }],
    ['wall as string', { wall: '5', counter: 0 }],
    ['counter above MAX_HLC_COUNTER', { wall: 1, counter: MAX_HLC_COUNTER + 1 }],
    ['missing counter', { wall: 1 }],
  ]
  for (const [name, clock] of bad) {
    const f = parseReplicaFile(JSON.stringify({ ...sampleJson(), clock }))
    t.same(f.clock, { wall: highest.wall, counter: highest.counter }, name)
    t.match(f.clock_reset, /outside 0\.\.\d+ \/ 0\.\.\d+; reset to the highest stored version/, name)
    t.same(f.entries, sample.entries, `${name}: entries kept`)
  }
  const behind = parseReplicaFile(JSON.stringify({ ...sampleJson(), clock: { wall: 0, counter: 0 } }))
  t.same(behind.clock, { wall: highest.wall, counter: highest.counter }, 'a clock behind the stored versions is raised')
})

t.test('rejects invalid files with a message naming the field', async (t) => {
  const cases: [string, (o: Record<string, unknown>) => unknown, RegExp][] = [
    ['not an object', () => [], /not a JSON object/],
    [
      'entry whose record breaks the DNS name rules',
      (o) => ({ ...o, entries: [{ key: 'rr:x', version: { wall: 1, counter: 0, node: 'n' }, record: { name: 'a'.repeat(64), type: 'A', value: '192.0.2.1' } }] }),
      /^entries\[0\] \(name "a+"\): name: not a valid DNS name: has a label of 64 characters/,
    ],
    ['null', () => null, /not a JSON object/],
    ['unknown format', (o) => ({ ...o, format: 2 }), /^format: unsupported 2/],
    ['missing format', (o) => ({ ...o, format: undefined }), /^format: unsupported/],
    ['node_id not a string', (o) => ({ ...o, node_id: 7 }), /^node_id: must be a string/],
    ['records_hash missing', (o) => ({ ...o, records_hash: undefined }), /^records_hash: must be a string/],
    ['records_hash_before null', (o) => ({ ...o, records_hash_before: null }), /^records_hash_before: must be a string/],
    ['entries not an array', (o) => ({ ...o, entries: {} }), /^entries: must be an array/],
    ['entries missing', (o) => ({ ...o, entries: undefined }), /^entries: must be an array/],
    [
      'entry whose record id differs from its key',
      (o) => ({ ...o, entries: [{ ...(o.entries as object[])[0], key: 'id:someone-else' }] }),
      /^entries\[0\]: record does not match key "id:someone-else"/,
    ],
    [
      'entry without a record or deleted: true',
      (o) => ({ ...o, entries: [{ key: 'id:x', version: { wall: 1, counter: 0, node: 'n' } }] }),
      /^entries\[0\]: needs a record or "deleted": true/,
    ],
    [
      'entry with an invalid version',
      (o) => ({ ...o, entries: [{ key: 'id:x', version: { wall: 1, counter: 0, node: '' }, deleted: true }] }),
      /^entries\[0\]\.version: /,
    ],
    [
      'entry with an empty key',
      (o) => ({ ...o, entries: [{ key: '', version: { wall: 1, counter: 0, node: 'n' }, deleted: true }] }),
      /^entries\[0\]\.key: /,
    ],
    [
      'entry with a bad record field, at its index',
      (o) => ({ ...o, entries: [(o.entries as object[])[2], { key: 'rr:x', version: { wall: 1, counter: 0, node: 'n' }, record: { name: 'x', type: 'A', value: '192.0.2.1', ttl: -1 } }] }),
      /ttl: must be an integer/,
    ],
  ]
  for (const [name, corrupt, message] of cases) {
    const text = JSON.stringify(corrupt(sampleJson()))
    t.throws(() => parseReplicaFile(text), { message }, name)
  }
  t.throws(() => parseReplicaFile('{"format":1,'), SyntaxError, 'truncated JSON')
})

t.test('loadReplicaFile', async (t) => {
  t.test('returns undefined for a missing file', async (t) => {
    const dir = await tempDir(t)
    t.equal(await loadReplicaFile(join(dir, 'cluster_replica.json')), undefined)
  })

  t.test('reads back what saveReplicaFile wrote', async (t) => {
    const dir = await tempDir(t)
    const path = join(dir, 'cluster_replica.json')
    await saveReplicaFile(path, sample)
    t.same(await loadReplicaFile(path), sample)
  })

  t.test('an invalid file throws ERR_STATE_LOAD naming the path and the field', async (t) => {
    const dir = await tempDir(t)
    const path = join(dir, 'cluster_replica.json')
    writeFileSync(path, JSON.stringify({ ...sampleJson(), node_id: 5 }))
    const err = await rejection(loadReplicaFile(path))
    t.type(err, DnsplaneError)
    t.equal((err as DnsplaneError).code, 'ERR_STATE_LOAD')
    t.match((err as Error).message, path)
    t.match((err as Error).message, 'node_id: must be a string')
    t.equal(readFileSync(path, 'utf8'), JSON.stringify({ ...sampleJson(), node_id: 5 }), 'left untouched')
  })

  t.test('a file above MAX_REPLICA_FILE_BYTES is refused before it is read', async (t) => {
    const dir = await tempDir(t)
    const path = join(dir, 'cluster_replica.json')
    writeFileSync(path, '')
    truncateSync(path, MAX_REPLICA_FILE_BYTES + 1) // sparse: no disk space used
    const err = await rejection(loadReplicaFile(path))
    t.equal((err as DnsplaneError).code, 'ERR_STATE_LOAD')
    t.match((err as Error).message, 'exceed the limit')
  })

  t.test(
    'a path that opens but cannot be read (a directory) throws ERR_STATE_LOAD',
    {},
    async (t) => {
    const dir = await tempDir(t)
    const err = await rejection(loadReplicaFile(dir))
    t.type(err, DnsplaneError)
    t.equal((err as DnsplaneError).code, 'ERR_STATE_LOAD')
    },
  )
})

t.test('saveReplicaFile', async (t) => {
  t.test('writes the file with mode 0600', async (t) => {
    const dir = await tempDir(t)
    const path = join(dir, 'cluster_replica.json')
    await saveReplicaFile(path, sample)
    t.equal(statSync(path).mode & 0o777, 0o600)
    t.equal(readFileSync(path, 'utf8'), serializeReplicaFile(sample))
  })

  t.test('replacing a world-readable file leaves it 0600', async (t) => {
    const dir = await tempDir(t)
    const path = join(dir, 'cluster_replica.json')
    writeFileSync(path, 'old')
    chmodSync(path, 0o644)
    await saveReplicaFile(path, sample)
    t.equal(statSync(path).mode & 0o777, 0o600)
    t.same(readdirSync(dir), ['cluster_replica.json'], 'no temp file left behind')
  })

  t.test('throws ERR_STATE_WRITE when the directory does not exist', async (t) => {
    const dir = await tempDir(t)
    const err = await rejection(saveReplicaFile(join(dir, 'nope', 'cluster_replica.json'), sample))
    t.equal((err as DnsplaneError).code, 'ERR_STATE_WRITE')
  })
})
