// Block list benchmark (issue #16): writes a hosts-format list of N names (half "0.0.0.0 name", half bare
// names), then in a fresh process measures parse + Set build time and the RSS / heap growth, and the
// lookup rate. Numbers only; never asserted. Needs dist/ (npx tsc -p tsconfig.json).
// Knobs: N (1000000). Usage: node bench/block-lists.mjs
import { execFileSync } from 'node:child_process'
import { writeFileSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { BlockList, parseBlockList } from '../dist/dns/block/block-list.js'

const N = Number(process.env.N ?? 1_000_000)
if (process.argv[2] === undefined) {
  // write the list, then measure in a fresh process so that the RSS baseline is not this one's garbage
  const out = join(tmpdir(), `dnsplane-block-bench-${process.pid}.txt`)
  const lines = ['# generated']
  for (let i = 0; i < N; i++) lines.push(i % 2 ? `0.0.0.0 ads${i}.tracker${i % 977}.example.com` : `ads${i}.tracker${i % 977}.example.net`)
  writeFileSync(out, lines.join('\n') + '\n')
  try {
    execFileSync(process.execPath, ['--expose-gc', new URL(import.meta.url).pathname, out], { stdio: 'inherit' })
  } finally {
    rmSync(out)
  }
  process.exit(0)
}
const file = process.argv[2]

const gc = globalThis.gc ?? (() => {})
gc()
const rss0 = process.memoryUsage().rss
const heap0 = process.memoryUsage().heapUsed
const t0 = performance.now()
let text = readFileSync(file, 'utf8')
const textMb = (text.length / 1048576).toFixed(1)
const t1 = performance.now()
const names = new Set()
parseBlockList(text, names)
const list = new BlockList(names)
const t2 = performance.now()
text = '' // the daemon drops the file text after parsing: measure what stays
gc()
const mem = process.memoryUsage()
const mb = (b) => (b / 1048576).toFixed(1)
let hits = 0
const t3 = performance.now()
for (let i = 0; i < 1_000_000; i++) if (list.has(`ads${i}.tracker${i % 977}.example.${i % 2 ? 'com' : 'net'}`)) hits++
const t4 = performance.now()
console.log(`| ${N.toLocaleString('en')} | ${(t1 - t0).toFixed(0)} | ${(t2 - t1).toFixed(0)} | ${mb(mem.rss - rss0)} | ${mb(mem.heapUsed - heap0)} | ${((1_000_000 / (t4 - t3)) * 1000 / 1e6).toFixed(1)} M/s (${hits} hits) |`)
console.log(`node bench/block-lists.mjs  (Node ${process.version}, list file ${textMb} MB)`)
