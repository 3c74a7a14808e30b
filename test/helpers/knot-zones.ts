/**
 * Zones for the Knot differential test (test/integration/knot-differential.ts): one list of records,
 * written as dnsplane's records JSON and as knotd zone files, and the queries asked of both. Also starts
 * and stops knotd for the tests that run one (knot-differential.ts, zone-transfer.ts), and a knotd that signs
 * zones itself (the DNSSEC tests).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { nameKey } from '../../src/store/record.js'

export interface Rec {
  name: string
  type: string
  value: string
  ttl: number
}

export interface Q {
  name: string
  type: string
  edns: boolean
  qclass?: number
}

const SOA = (zone: string) => `ns1.${zone}. hostmaster.${zone}. 1 3600 900 604800 300`
const r = (name: string, type: string, value: string, ttl = 3600): Rec => ({ name, type, value, ttl })

/** Apexes held by both servers; example.com holds a held child (child.example.com) and an unheld one (sub.example.com). */
export const APEXES = ['example.com', 'child.example.com', 'example.net', '2.0.192.in-addr.arpa', '8.b.d.0.1.0.0.2.ip6.arpa']

const RECORDS: Rec[] = [
  ...APEXES.flatMap((z) => [r(z, 'SOA', SOA(z)), r(z, 'NS', z.endsWith('.arpa') ? 'ns1.example.com.' : `ns1.${z}.`)]),
  r('ns1.example.com', 'A', '192.0.2.53'),
  r('ns1.example.com', 'AAAA', '2001:db8::53'),
  r('example.com', 'MX', '10 mail.example.com.'),
  r('example.com', 'MX', '20 mx.elsewhere.org.'),
  r('example.com', 'TXT', '"v=spf1 mx -all"'),
  r('example.com', 'HTTPS', '1 . alpn=h2,h3 port=8443 ipv6hint=2001:db8::443'),
  r('svc.example.com', 'SVCB', '1 host.example.com. alpn="dot,doq" ipv4hint=192.0.2.10 mandatory=alpn key667=x'),
  r('svcalias.example.com', 'HTTPS', '0 mail.example.com.'),
  r('uri.example.com', 'URI', '\\# 24 000a0001 68747470733a2f2f6578616d706c652e636f6d2f'), // RFC 3597 generic form
  r('big.example.com', 'TXT', '"' + 'x'.repeat(200) + '"'),
  ...Array.from({ length: 12 }, (_, i) => r('big.example.com', 'A', `192.0.2.${200 + i}`)),
  ...Array.from({ length: 40 }, (_, i) => r('huge.example.com', 'AAAA', `2001:db8::1:${i}`)),
  r('mail.example.com', 'A', '192.0.2.25'),
  r('mail.example.com', 'AAAA', '2001:db8::25'),
  r('_sip._tcp.example.com', 'SRV', '10 5 5060 sip.example.com.'),
  r('sip.example.com', 'A', '192.0.2.60'),
  r('host.example.com', 'A', '192.0.2.10'),
  r('Host.Example.COM.', 'A', '192.0.2.10'), // the same RR under a second spelling (RFC 2181 5)
  r('host.example.com', 'A', '192.0.2.11', 600), // TTL differs: one TTL per RRset (RFC 2181 5.2)
  r('host.example.com', 'AAAA', '2001:db8::10'),
  r('www.example.com', 'CNAME', 'host.example.com.'),
  r('alias.example.com', 'CNAME', 'www.example.com.'),
  r('tochild.example.com', 'CNAME', 'www.child.example.com.'),
  r('tosub.example.com', 'CNAME', 'www.sub.example.com.'),
  r('towild.example.com', 'CNAME', 'x.wild.example.com.'),
  r('tonx.example.com', 'CNAME', 'nope.example.com.'),
  r('*.example.net', 'MX', '10 mail.example.com.'),
  r('a.b.deep.example.com', 'TXT', '"deep"'),
  r('*.wild.example.com', 'A', '192.0.2.80'),
  r('*.wild.example.com', 'TXT', '"wildcard"'),
  r('exists.wild.example.com', 'AAAA', '2001:db8::80'),
  r('*.wc.example.com', 'CNAME', 'host.example.com.'),
  r('sub.example.com', 'NS', 'ns1.sub.example.com.'),
  r('sub.example.com', 'NS', 'ns.elsewhere.org.'),
  r('ns1.sub.example.com', 'A', '192.0.2.70'),
  // a wildcard below the cut is occluded (RFC 4592 2.2.1; RFC 1034 4.3.2 step 3b): the referral wins
  r('*.sub.example.com', 'A', '192.0.2.99'),
  r('*.sub.example.com', 'TXT', '"occluded"'),
  r('sub2.example.com', 'NS', 'ns1.example.com.'), // served by a name elsewhere in the parent zone
  r('sub2.example.com', 'NS', 'mail.example.com.'),
  r('sub.example.com', 'DS', '12345 8 2 49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC'),
  r('old.example.com', 'DNAME', 'example.net.'),
  r('olddept.example.com', 'DNAME', 'dept.example.com.'),
  r('www.dept.example.com', 'A', '192.0.2.100'),
  r('loop.example.com', 'DNAME', 'x.loop.example.com.'),
  r('child.example.com', 'NS', 'ns1.child.example.com.'),
  r('ns1.child.example.com', 'A', '192.0.2.90'),
  r('www.child.example.com', 'A', '192.0.2.91'),
  r('www.example.net', 'A', '198.51.100.80'),
  r('www.example.net', 'MX', '5 mail.example.com.'),
  r('ns1.example.net', 'A', '198.51.100.53'),
  r('192.0.2.135', 'PTR', 'host.example.com.'), // our IP form
  r('7.2.0.192.in-addr.arpa', 'PTR', 'literal.example.com.'),
  r('2001:db8::1', 'PTR', 'v6.example.com.'),
  r('v6.example.com', 'AAAA', '2001:db8::abcd'),
]

function reverseName(ip: string): string | undefined {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return ip.split('.').reverse().join('.') + '.in-addr.arpa'
  if (!ip.includes(':')) return undefined
  const [head, tail] = ip.split('::')
  const h = head ? head.split(':') : []
  const tl = tail ? tail.split(':') : []
  const groups = [...h, ...Array(8 - h.length - tl.length).fill('0'), ...tl].map((g) => g.padStart(4, '0'))
  return groups.join('').split('').reverse().join('.') + '.ip6.arpa'
}

const zoneOf = (name: string): string | undefined => APEXES.filter((z) => name === z || name.endsWith('.' + z)).sort((a, b) => b.length - a.length)[0]

export interface Zones {
  records: Rec[]
  files: Map<string, string>
  /** Lower-case owner names knotd holds (for the query list). */
  owners: Set<string>
}

/** Our records, and the zone files knotd serves for the same data (IP-form and synthesized PTRs written out). */
export function buildZones(): Zones {
  const lines = new Map<string, string[]>(APEXES.map((z) => [z, [`$TTL 3600`]]))
  const owners = new Set<string>()
  const put = (owner: string, rec: Rec) => {
    const key = nameKey(owner)
    const zone = zoneOf(key)
    if (!zone) return
    owners.add(key)
    lines.get(zone)?.push(`${owner.replace(/\.$/, '')}. ${rec.ttl} IN ${rec.type} ${rec.value}`)
  }
  for (const rec of RECORDS) {
    const rev = rec.type === 'PTR' ? reverseName(rec.name) : undefined
    put(rev ?? rec.name, rec)
    // the parent of a held child keeps the delegation and its glue (dnsplane's flat records hold them once)
    if (nameKey(rec.name).endsWith('child.example.com') && (rec.type === 'NS' || rec.name.startsWith('ns1.'))) lines.get('example.com')?.push(`${rec.name}. ${rec.ttl} IN ${rec.type} ${rec.value}`)
    // auto_build_ptr_from_a: a PTR at the reverse name of every A/AAAA value
    if (rec.type === 'A' || rec.type === 'AAAA') {
      const ptr = reverseName(rec.value)
      if (ptr && zoneOf(ptr) && !lines.get(zoneOf(ptr) as string)?.some((l) => l.startsWith(ptr + '. ') && l.includes(` ${nameKey(rec.name)}.`))) {
        put(ptr, { name: ptr, type: 'PTR', value: nameKey(rec.name) + '.', ttl: rec.ttl })
      }
    }
  }
  const files = new Map<string, string>()
  for (const [z, l] of lines) files.set(z, l.join('\n') + '\n')
  return { records: RECORDS, files, owners }
}

const TYPES = ['A', 'AAAA', 'MX', 'TXT', 'NS', 'SOA', 'SRV', 'PTR', 'CNAME', 'DNAME', 'DS', 'HTTPS', 'SVCB', 'URI', 'ANY']

/** Deterministic 0x20 mixed case (RFC 1034 3.1: names compare without case; the reply echoes the question). */
function mixCase(name: string, seed: number): string {
  let out = ''
  for (let i = 0; i < name.length; i++) out += (i + seed) % 3 === 0 ? name[i].toUpperCase() : name[i]
  return out
}

/** Every owner x every type, plus names that do not exist, wildcard matches, names below cuts and DNAMEs. */
export function queriesFor(z: Zones): Q[] {
  const names = [...z.owners]
  names.push(
    'nope.example.com', 'b.deep.example.com', 'deep.example.com', 
    'anything.wild.example.com', 'a.b.wild.example.com', 'wild.example.com', 'x.exists.wild.example.com', 'foo.wc.example.com',
    'www.sub.example.com', 'a.b.sub.example.com', 'anything.sub.example.com', 'x.y.sub.example.com', 'www.sub2.example.com', 'x.old.example.com', 'www.olddept.example.com', 'nope.olddept.example.com', 'a.loop.example.com', 'www.old.example.com', 'nope.old.example.com',
    'nope.child.example.com', 'nope.example.net', '030.2.0.192.in-addr.arpa', '0.2.0.192.in-addr.arpa', '99.2.0.192.in-addr.arpa',
    '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', '0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
    'f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
  )
  // names made of labels that mean something in the zones, one and two deep under every apex (deterministic)
  const labels = ['www', 'a', 'b', 'x', 'wild', 'deep', 'sub', 'olddept', 'child', 'ns1', '*', 'wc', 'dept']
  for (const apex of APEXES) for (let i = 0; i < labels.length; i++) names.push(`${labels[i]}.${apex}`, `${labels[(i * 5 + 3) % labels.length]}.${labels[i]}.${apex}`)
  const out: Q[] = []
  let seed = 0
  for (const name of names) for (const type of TYPES) out.push({ name: mixCase(name, seed++), type, edns: (seed + Math.floor(seed / TYPES.length)) % 2 === 0 })
  out.push({ name: 'id.server', type: 'TXT', edns: false, qclass: 3 }, { name: 'HOSTNAME.bind', type: 'TXT', edns: true, qclass: 3 })
  out.push({ name: 'version.bind', type: 'TXT', edns: false, qclass: 3 })
  return out
}

/**
 * Writes `dir`/knot.conf (server on 127.0.0.1:`port` with `serverLines` added, storage in `dir`, warnings to
 * stderr, then `body`: remotes, acls, zones) and starts knotd in the foreground. Stop it with stopProcess.
 */
export async function startKnotd(dir: string, port: number, body: readonly string[], serverLines: readonly string[] = []): Promise<ChildProcess> {
  const conf = [
    'server:', `    rundir: "${dir}"`, `    listen: 127.0.0.1@${port}`, ...serverLines,
    'database:', `    storage: "${dir}"`,
    'log:', '  - target: stderr', '    any: warning',
    ...body, '',
  ].join('\n')
  await writeFile(join(dir, 'knot.conf'), conf)
  const p = spawn('knotd', ['-c', join(dir, 'knot.conf')], { stdio: ['ignore', 'ignore', 'pipe'] })
  p.stderr?.on('data', (d) => process.stderr.write('[knotd] ' + String(d)))
  return p
}

/** SIGTERM, then SIGKILL after 3 s; resolves when the process is gone. */
export async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return
  const done = new Promise<void>((resolve) => p.once('exit', () => resolve()))
  p.kill('SIGTERM')
  const timer = setTimeout(() => p.kill('SIGKILL'), 3000)
  await done
  clearTimeout(timer)
}

const SIGNED_ZONE = (apex: string): string => `$ORIGIN ${apex}.
$TTL 300
@ SOA ns.${apex}. host.${apex}. 1 3600 900 604800 300
@ NS ns.${apex}.
ns A 127.0.0.1
www A 192.0.2.1
*.wild A 192.0.2.2
`

/**
 * knotd signing two zones itself (ECDSA P-256): nsec.test (NSEC) and nsec3.test (NSEC3, 0 iterations), each
 * with www A 192.0.2.1 and *.wild A 192.0.2.2 (test/integration/dnssec-validate-knot.ts, dnssec-forward-do.ts).
 */
export async function startSigningKnot(dir: string, port: number): Promise<ChildProcess> {
  const zones: string[] = []
  for (const [apex, nsec3] of [['nsec.test', false], ['nsec3.test', true]] as const) {
    const file = join(dir, `${apex}.zone`)
    await writeFile(file, SIGNED_ZONE(apex))
    zones.push(`  - domain: "${apex}."`, `    file: "${file}"`, '    journal-content: none', '    zonefile-sync: -1', '    dnssec-signing: on', `    dnssec-policy: ${nsec3 ? 'p3' : 'p1'}`)
  }
  return startKnotd(dir, port, [
    'policy:',
    '  - id: p1', '    algorithm: ecdsap256sha256', '    nsec3: off',
    '  - id: p3', '    algorithm: ecdsap256sha256', '    nsec3: on', '    nsec3-iterations: 0',
    'zone:', ...zones,
  ])
}
