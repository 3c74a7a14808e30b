/**
 * Our DNSSEC primitives against BIND's and Knot's tools: key files from dnssec-keygen, key tags and DS
 * records as dnssec-dsfromkey computes them, and a zone signed by our code accepted by dnssec-verify
 * and kzonecheck. Each part skips with a message when its tool is not installed.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { DNSSEC_ALGORITHMS } from '../../src/dnssec/algorithms.js'
import { dsRdata, dsText } from '../../src/dnssec/keytag.js'
import { signZone, zoneFileText } from '../../src/dnssec/zone-signer.js'
import { encodeName, encodeRdata } from '../../src/dns/wire/rdata.js'
import { bindKeygen, hasTool, loadBindKey } from '../helpers/dnssec-keys.js'
import { tempDir } from '../helpers/fs.js'

const ZONE = 'example.test'

t.test('dnssec-keygen files: our key tag and DS equal dnssec-dsfromkey for every algorithm', { skip: hasTool('dnssec-keygen') && hasTool('dnssec-dsfromkey') ? false : 'dnssec-keygen / dnssec-dsfromkey not installed' }, async (t) => {
  const dir = await tempDir(t)
  for (const alg of DNSSEC_ALGORITHMS) {
    for (const ksk of [false, true]) {
      const base = bindKeygen(dir, alg, ZONE, ksk)
      const key = loadBindKey(base)
      const tag = Number(/\+(\d+)$/.exec(basename(base))![1])
      t.equal(key.keyTag, tag, `alg ${alg} ksk=${ksk}: key tag`)
      t.equal(key.ksk, ksk)
      t.ok(key.timing.Created !== undefined && key.timing.Activate !== undefined, 'timing metadata read')
      for (const [digest, flag] of [[2, 'SHA-256'], [4, 'SHA-384']] as const) {
        const theirs = execFileSync('dnssec-dsfromkey', ['-a', flag, base + '.key'], { encoding: 'utf8' }).trim()
        const ours = `${ZONE}. IN DS ${dsText(dsRdata(encodeName(ZONE)!, key.dnskeyRdata, digest))}`
        t.equal(ours, theirs, `alg ${alg} ${flag} DS`)
      }
    }
  }
})

/** A small zone: apex, hosts, a wildcard, an empty non-terminal, a delegation with glue. */
function zoneData(): { owner: Buffer; type: number; ttl: number; rdatas: Buffer[] }[] {
  const set = (owner: string, type: number, mnemonic: string, ttl: number, ...values: string[]) => ({
    owner: encodeName(owner)!,
    type,
    ttl,
    rdatas: values.map((v) => encodeRdata(mnemonic, v)!),
  })
  return [
    set(ZONE, 6, 'SOA', 3600, 'ns1.example.test. hostmaster.example.test. 1 3600 600 86400 300'),
    set(ZONE, 2, 'NS', 3600, 'ns1.example.test.'),
    set('ns1.' + ZONE, 1, 'A', 3600, '192.0.2.53'),
    set('www.' + ZONE, 1, 'A', 300, '192.0.2.1', '192.0.2.2'),
    set('WWW.' + ZONE, 16, 'TXT', 300, '"Mixed Case"'),
    set('*.wild.' + ZONE, 1, 'A', 300, '192.0.2.9'),
    set('a.b.c.' + ZONE, 15, 'MX', 300, '10 Mail.example.test.'),
    set('sub.' + ZONE, 2, 'NS', 3600, 'ns.sub.example.test.'),
    set('ns.sub.' + ZONE, 1, 'A', 3600, '192.0.2.77'),
  ]
}

t.test('a zone signed by our code passes dnssec-verify and kzonecheck', { skip: hasTool('dnssec-keygen') ? false : 'dnssec-keygen not installed' }, async (t) => {
  const dir = await tempDir(t)
  for (const alg of [8, 13, 15] as const) {
    const keys = [loadBindKey(bindKeygen(dir, alg, ZONE, false)), loadBindKey(bindKeygen(dir, alg, ZONE, true))]
    const now = Math.floor(Date.now() / 1000)
    const rrs = signZone(encodeName(ZONE)!, zoneData(), keys, { inception: now - 3600, expiration: now + 14 * 86400 }, 300, 3600)
    const file = join(dir, `signed-${alg}.zone`)
    writeFileSync(file, zoneFileText(rrs))
    if (hasTool('dnssec-verify')) {
      const out = execFileSync('dnssec-verify', ['-o', ZONE, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      t.match(out, /Zone fully signed/, `alg ${alg}: dnssec-verify accepts the zone`)
    } else t.comment('dnssec-verify not installed: skipped')
    if (hasTool('kzonecheck')) {
      execFileSync('kzonecheck', ['-o', ZONE, '--dnssec', 'on', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      t.pass(`alg ${alg}: kzonecheck --dnssec on accepts the zone`)
    } else t.comment('kzonecheck not installed: skipped')
  }
  t.ok(readFileSync(join(dir, 'signed-13.zone'), 'utf8').includes(' NSEC '), 'the zone has an NSEC chain')
})
