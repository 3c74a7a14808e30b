// Converts a zone file with one fully qualified record per line ("name ttl IN TYPE value...")
// into dnsrecords.json ({"records": [...]}). Usage: node bench/zone-to-records.mjs ZONE OUT.json
import { readFileSync, writeFileSync } from 'node:fs'

const [zone, out] = process.argv.slice(2)
const Z = '0001-01-01T00:00:00Z'
const records = []
for (const line of readFileSync(zone, 'utf8').split('\n')) {
  const m = /^(\S+)\s+(\d+)\s+IN\s+(\S+)\s+(.*)$/.exec(line.trim())
  if (!m) continue
  records.push({ name: m[1].replace(/\.+$/, ''), type: m[3], value: m[4], ttl: Number(m[2]), added_on: Z, updated_on: Z, last_query: Z })
}
writeFileSync(out, JSON.stringify({ records }) + '\n')
console.log(`${records.length} records -> ${out}`)
