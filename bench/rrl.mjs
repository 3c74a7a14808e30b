// RRL under a flood: dnsplane's `rrl` limiter (dist/, through bench/serve.mjs with BENCH_LIMITS) against
// knotd's mod-rrl on the same zone and the same flood. A flood client bound to 127.0.0.2 sends QUERIES
// questions for one name at RATE per second; a second client on 127.1.0.3 (another /24) asks PROBES
// questions meanwhile. Reports what the flood source got back (answers, TC=1 slips, nothing) and the
// server's CPU seconds (/proc utime+stime) and that per second of flood (the share of one core it took). Figures only, no assertions. Build dist/ first (npm run build).
// Knobs: QUERIES (20000), RATE (5000), LIMIT (20 responses per second per bucket), SLIP (2: every 2nd slipped).
import { spawn } from 'node:child_process'
import dgram from 'node:dgram'
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { cleanup, installExitHandlers, stopChild, tempDir, track } from './lib/proc.mjs'
import { ROOT, freePort } from './lib/node.mjs'
import { markdownTable, fmt, int, loadText } from './lib/stats.mjs'

const QUERIES = Number(process.env.QUERIES ?? 20000)
const RATE = Number(process.env.RATE ?? 5000)
const LIMIT = Number(process.env.LIMIT ?? 20)
const SLIP = Number(process.env.SLIP ?? 2)
const PROBES = 50
installExitHandlers(Number(process.env.BENCH_TIMEOUT_S ?? 300) * 1000)

const work = tempDir('dnsplane-rrl-')
const zone = '$ORIGIN example.net.\n$TTL 300\n@ SOA ns hostmaster 1 3600 900 604800 300\n@ NS ns\nns A 192.0.2.53\nwww A 198.51.100.7\n'
writeFileSync(join(work, 'example.net.zone'), zone)
writeFileSync(join(work, 'records.json'), JSON.stringify({ records: [
  { name: 'example.net', type: 'SOA', value: 'ns.example.net. hostmaster.example.net. 1 3600 900 604800 300', ttl: 300 },
  { name: 'example.net', type: 'NS', value: 'ns.example.net.', ttl: 300 },
  { name: 'www.example.net', type: 'A', value: '198.51.100.7', ttl: 300 },
] }))

function query(id, name) {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]))
  return Buffer.concat([Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])])
}

function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(f[11]) + Number(f[12])) / 100
}

/** Sends `count` queries from `source` at `rate`/s; counts full answers, TC=1 and unanswered (after a 1 s grace). */
async function flood(source, port, count, rate) {
  const sock = dgram.createSocket('udp4')
  await new Promise((r) => sock.bind({ address: source, port: 0 }, r))
  const got = { full: 0, tc: 0 }
  sock.on('message', (m) => ((m[2] & 0x02) !== 0 ? got.tc++ : got.full++))
  const started = Date.now()
  for (let sent = 0; sent < count; ) {
    const due = Math.min(count, Math.floor(((Date.now() - started) / 1000) * rate) + 1)
    for (; sent < due; sent++) sock.send(query(sent & 0xffff, 'www.example.net'), port, '127.0.0.1')
    await new Promise((r) => setTimeout(r, 5))
  }
  await new Promise((r) => setTimeout(r, 1000))
  sock.close()
  return { ...got, none: count - got.full - got.tc }
}

async function waitAnswer(port) {
  for (let i = 0; i < 100; i++) {
    const r = await flood('127.0.0.1', port, 1, 1).catch(() => ({ full: 0 }))
    if (r.full > 0) return
  }
  throw new Error(`no answer on ${port}`)
}

async function startKnot(port) {
  const d = join(work, 'knot')
  mkdirSync(join(d, 'db'), { recursive: true })
  writeFileSync(join(d, 'knot.conf'), `server:\n    rundir: "${d}"\n    listen: 127.0.0.1@${port}\n    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n` +
    `database:\n    storage: "${d}/db"\nlog:\n  - target: stderr\n    any: warning\nmod-rrl:\n  - id: flood\n    rate-limit: ${LIMIT}\n    slip: ${SLIP}\n` +
    `template:\n  - id: default\n    storage: "${work}"\n    journal-content: none\n    zonefile-sync: -1\n    global-module: mod-rrl/flood\nzone:\n  - domain: example.net.\n    file: "example.net.zone"\n`)
  return track(spawn('knotd', ['-c', join(d, 'knot.conf')], { stdio: 'ignore' }))
}

function startDnsplane(port) {
  const limits = { rateRps: 0, rateBurst: 0, mode: 'rrl', windowMs: 1000, maxPerWindow: 0, rrlMax: LIMIT, rrlWindowMs: 1000, rrlSlip: SLIP > 0 ? 1 / SLIP : 0, amplificationRatio: 0 }
  return track(spawn('node', [join(ROOT, 'bench/serve.mjs'), String(port), join(work, 'records.json')], { stdio: 'ignore', env: { ...process.env, BENCH_LIMITS: JSON.stringify(limits) } }))
}

const rows = []
for (const [name, start] of [['knotd mod-rrl', startKnot], ['dnsplane rrl', startDnsplane]]) {
  const port = await freePort('127.0.0.1')
  const child = await start(port)
  await waitAnswer(port)
  const cpu0 = cpuSeconds(child.pid)
  const t0 = process.hrtime.bigint()
  const [f, probe] = await Promise.all([flood('127.0.0.2', port, QUERIES, RATE), flood('127.1.0.3', port, PROBES, 10)])
  const cpu = cpuSeconds(child.pid) - cpu0
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  rows.push([name, int(QUERIES), int(f.full), int(f.tc), int(f.none), `${probe.full}/${PROBES}`, fmt(cpu, 2), fmt(cpu / wall, 3), int((QUERIES / cpu) || 0)])
  await stopChild(child)
}
console.log(`flood: ${QUERIES} queries for www.example.net A from 127.0.0.2 at ${RATE}/s; limit ${LIMIT}/s per bucket, slip ${SLIP}; ${loadText()}`)
console.log(markdownTable(['server', 'sent', 'answered', 'TC=1 (slip)', 'no reply', 'other /24 answered', 'server CPU s', 'CPU per core-second', 'queries per CPU s'], rows))
await cleanup()
process.exit(0)
