/**
 * A forwarder that does not validate (dnssec_validate false) in front of a real signer (knotd signing its
 * zones, NSEC and NSEC3): a DO query gets the upstream's RRSIG and NSEC/NSEC3 records, a query without DO gets
 * none, in either order through the response cache (RFC 4035 3.2.1). Skips when knotd or kdig is missing.
 */
import { execFile, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { freePort, startTestNode, waitFor } from '../helpers/daemon.js'
import { startSigningKnot, stopProcess } from '../helpers/knot-zones.js'

const execFileAsync = promisify(execFile)
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim() !== ''

if (!has('knotd') || !has('kdig')) {
  t.comment('knotd or kdig not installed (Debian packages knot, knot-dnsutils): skipping the DO forwarding test against Knot')
  t.pass('skipped: knotd missing')
} else {
  t.test('without validation, DO queries get the DNSSEC records of the upstream and others do not', { timeout: 90_000 }, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'dnsplane-knot-do-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const port = await freePort()
    const knot = await startSigningKnot(dir, port)
    t.teardown(() => stopProcess(knot))
    const signed = await waitFor(() => {
      const out = spawnSync('kdig', ['@127.0.0.1', '-p', String(port), '+dnssec', '+noall', '+answer', 'www.nsec3.test', 'A'], { encoding: 'utf8' }).stdout
      return /\sRRSIG\s+A\s/.test(out) ? true : undefined
    }, 20_000)
    if (!signed) return t.fail('knotd did not sign the zones in time')

    const node = await startTestNode({ fallback_server_ip: '127.0.0.1', fallback_server_port: String(port), timeout: 3 })
    t.teardown(() => node.daemon.stop())
    // Async: the node runs in this process, so a blocking spawnSync would keep it from answering.
    const dig = async (...args: string[]): Promise<string> =>
      (await execFileAsync('kdig', ['@127.0.0.1', '-p', String(node.dnsPort), '+notcp', '+time=5', '+retry=1', ...args], { encoding: 'utf8' })).stdout
    const types = (out: string, section: 'ANSWER' | 'AUTHORITY'): string[] => {
      const body = new RegExp(`;; ${section} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|\\n;;|$)`).exec(out)?.[1] ?? ''
      // owner TTL class TYPE rdata; a multi-line rdata's continuation lines match nothing
      return body.split('\n').flatMap((l) => /^\S+\s+\d+\s+IN\s+([A-Z0-9]+)\s/.exec(l)?.[1] ?? [])
    }

    // DO first (a miss), then the same question without DO (a cache hit): the RRSIG stays with the DO client.
    const withDo = await dig('+dnssec', 'www.nsec.test', 'A')
    t.match(withDo, /status: NOERROR/)
    t.same(types(withDo, 'ANSWER').sort(), ['A', 'RRSIG'], 'DO: the A record and its RRSIG')
    const plain = await dig('+nodnssec', 'www.nsec.test', 'A')
    t.same(types(plain, 'ANSWER'), ['A'], 'no DO, answered from the cache: no RRSIG')

    // Without DO first (a miss), then with DO (a cache hit): the DO client still gets the RRSIG.
    t.same(types(await dig('+nodnssec', 'www.nsec3.test', 'A'), 'ANSWER'), ['A'], 'no DO: no RRSIG')
    t.same(types(await dig('+dnssec', 'www.nsec3.test', 'A'), 'ANSWER').sort(), ['A', 'RRSIG'], 'DO after a plain query: the RRSIG')
    t.same(types(await dig('+dnssec', 'www.nsec3.test', 'A'), 'ANSWER').sort(), ['A', 'RRSIG'], 'and again (fast path)')
    t.same(types(await dig('+nodnssec', 'www.nsec3.test', 'A'), 'ANSWER'), ['A'], 'no DO again: no RRSIG')

    // Denials: NSEC / NSEC3 and their RRSIGs in the authority section for DO only.
    const nx = await dig('+dnssec', 'nope.nsec.test', 'A')
    t.match(nx, /status: NXDOMAIN/)
    t.ok(types(nx, 'AUTHORITY').includes('NSEC'), 'NXDOMAIN with DO: NSEC records')
    t.ok(types(nx, 'AUTHORITY').includes('RRSIG'), 'and their RRSIGs')
    t.same(types(await dig('+nodnssec', 'nope.nsec.test', 'A'), 'AUTHORITY'), ['SOA'], 'NXDOMAIN without DO: the SOA only')
    const nodata = await dig('+dnssec', 'www.nsec3.test', 'TXT')
    t.ok(types(nodata, 'AUTHORITY').includes('NSEC3'), 'NODATA with DO: NSEC3 records')
    t.same(types(await dig('+nodnssec', 'www.nsec3.test', 'TXT'), 'AUTHORITY'), ['SOA'], 'NODATA without DO: the SOA only')
    t.notOk(/\sad[\s;]/.test(/;; Flags: ([^;]*);/.exec(withDo)?.[1] ?? ''), 'no AD: knotd is authoritative and sets none, and we do not validate')
  })
}
