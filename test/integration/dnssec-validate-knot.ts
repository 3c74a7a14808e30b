/**
 * The validating forwarder against a real signer: knotd signs two zones itself (NSEC and NSEC3, ECDSA P-256),
 * our resolver forwards to it with the zones' KSKs as trust anchors (read with kdig). Secure answers and
 * denials get AD; a proxy that flips a byte of an RRSIG, and a clock past the signatures' expiry, give bogus
 * (SERVFAIL with EDE under strict). Skips when knotd or kdig is missing.
 */
import { execFile, spawnSync } from 'node:child_process'
import dgram from 'node:dgram'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import packet from 'dns-packet'
import { pino } from 'pino'
import t from 'tap'
import { NetworkForwarder } from '../../src/dns/forward/forwarder.js'
import { CachingResolver } from '../../src/dns/forward/resolver.js'
import { fallbackFromConfig } from '../../src/dns/forward/upstream-select.js'
import { ForwardValidator } from '../../src/dns/forward/validation.js'
import { parseTrustAnchors } from '../../src/dnssec/validate/trust-anchors.js'
import { freePort, startTestNode, waitFor } from '../helpers/daemon.js'
import { startSigningKnot, stopProcess } from '../helpers/knot-zones.js'

const log = pino({ level: 'silent' })
const execFileAsync = promisify(execFile)
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim() !== ''

if (!has('knotd') || !has('kdig')) {
  t.comment('knotd or kdig not installed (Debian packages knot, knot-dnsutils): skipping the DNSSEC validation test against Knot')
  t.pass('skipped: knotd missing')
} else {
  t.test('validates what knotd signs; tampering and expiry are bogus', { timeout: 90_000 }, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'dnsplane-knot-dnssec-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const port = await freePort()
    const knot = await startSigningKnot(dir, port)
    t.teardown(() => stopProcess(knot))
    const keys = await waitFor(() => {
      const out = ['nsec.test', 'nsec3.test'].map((z) => spawnSync('kdig', ['@127.0.0.1', '-p', String(port), '+noall', '+answer', 'DNSKEY', z], { encoding: 'utf8' }).stdout)
      return out.every((o) => /\s257 3 13 /.test(o)) ? out.join('\n') : undefined
    }, 20_000)
    if (!keys) return t.fail('knotd did not sign the zones in time')
    // The KSKs (flags 257) are the anchors, as an anchor file would hold them.
    const parsed = parseTrustAnchors(keys.split('\n').filter((l) => /\s257 3 13 /.test(l)).join('\n'))
    if (!parsed.ok) return t.fail(parsed.reason)
    const anchors = parsed.anchors

    const forwarder = new NetworkForwarder()
    t.teardown(() => forwarder.close())
    const resolverFor = (upstreamPort: number, opts: { strict: boolean; clockOffsetMs?: number }) => {
      let resolver: CachingResolver | undefined
      const validator = new ForwardValidator({ anchors, strict: opts.strict }, {
        forwarder, endpointsFor: (n) => resolver?.endpointsFor(n) ?? [], timeoutMs: 3000, now: () => Date.now() + (opts.clockOffsetMs ?? 0), log,
      })
      resolver = new CachingResolver(
        { timeoutMs: 3000, cacheEnabled: true, minCacheTtlSeconds: 0, staleWhileRevalidate: false, fallback: fallbackFromConfig('127.0.0.1', String(upstreamPort)) },
        { getServers: () => [], forwarder, validator, log },
      )
      return { resolver, validator }
    }

    const { resolver, validator } = resolverFor(port, { strict: true })
    const ask = (name: string, type: string) => resolver.resolve({ name, type, class: 'IN' })
    t.match(await ask('www.nsec.test', 'A'), { kind: 'answer', rcode: 'NOERROR', ad: true, bogus: undefined }, 'signed answer: AD')
    t.match(await ask('www.nsec.test', 'A'), { kind: 'answer', ad: true, fromCache: true }, 'the verdict is cached with the answer')
    t.match(await ask('nope.nsec.test', 'A'), { kind: 'answer', rcode: 'NXDOMAIN', ad: true }, 'NXDOMAIN with NSEC: AD')
    t.match(await ask('www.nsec.test', 'AAAA'), { kind: 'answer', rcode: 'NOERROR', ad: true }, 'NODATA with NSEC: AD')
    t.match(await ask('q.wild.nsec.test', 'A'), { kind: 'answer', ad: true }, 'wildcard expansion with its NSEC proof: AD')
    t.match(await ask('www.nsec3.test', 'A'), { kind: 'answer', ad: true })
    t.match(await ask('nope.nsec3.test', 'A'), { kind: 'answer', rcode: 'NXDOMAIN', ad: true }, 'NXDOMAIN with NSEC3: AD')
    t.match(await ask('www.nsec3.test', 'TXT'), { kind: 'answer', rcode: 'NOERROR', ad: true }, 'NODATA with NSEC3: AD')
    t.equal(validator.counts.bogus, 0)

    // A proxy that flips the last byte of every RRSIG in answers to A questions.
    const proxy = await flippingProxy(port)
    t.teardown(() => proxy.close())
    const tampered = resolverFor(proxy.port, { strict: true })
    t.match(await tampered.resolver.resolve({ name: 'www.nsec.test', type: 'A', class: 'IN' }), { kind: 'answer', bogus: { ede: 6 } }, 'flipped signature byte: bogus, EDE 6 (DNSSEC Bogus)')
    const lenient = resolverFor(proxy.port, { strict: false })
    t.match(await lenient.resolver.resolve({ name: 'www.nsec.test', type: 'A', class: 'IN' }), { kind: 'answer', ad: false, bogus: undefined }, 'without strict: answered without AD')
    t.equal(lenient.validator.counts.bogus, 1, 'and counted')

    // knotd signs for 14 days by default: a clock 30 days ahead sees every signature expired.
    const late = resolverFor(port, { strict: true, clockOffsetMs: 30 * 86_400_000 })
    t.match(await late.resolver.resolve({ name: 'www.nsec.test', type: 'A', class: 'IN' }), { kind: 'answer', bogus: { ede: 7 } }, 'expired signatures: EDE 7 (Signature Expired)')

    // The same checks on the wire: a real node (config keys, anchor file, UDP server) in front of knotd.
    await t.test('a real node answers AD, SERVFAIL with EDE 6, and data under CD', async (t) => {
      const anchorFile = join(dir, 'anchors.zone')
      await writeFile(anchorFile, keys.split('\n').filter((l) => /\s257 3 13 /.test(l)).join('\n') + '\n')
      // Relays knotd untouched until `flip` is set, so one node sees first a secure, then a tampered upstream.
      let flip = false
      const toggled = await flippingProxy(port, () => flip)
      t.teardown(() => toggled.close())
      const node = await startTestNode({
        dnssec_validate: true, dnssec_validate_strict: true, dnssec_trust_anchor_file: anchorFile,
        fallback_server_ip: '127.0.0.1', fallback_server_port: String(toggled.port), timeout: 3,
      })
      t.teardown(() => node.daemon.stop())
      // Async: the node runs in this process, so a blocking spawnSync would keep it from answering.
      const dig = async (...args: string[]): Promise<string> =>
        (await execFileAsync('kdig', ['@127.0.0.1', '-p', String(node.dnsPort), '+notcp', '+time=5', '+retry=1', ...args], { encoding: 'utf8' })).stdout
      const flagsOf = (out: string): string[] => /;; Flags: ([^;]*);/.exec(out)?.[1].trim().split(/\s+/) ?? []

      const secure = await dig('+dnssec', 'www.nsec.test', 'A')
      t.match(secure, /status: NOERROR/, 'secure answer: NOERROR')
      t.ok(flagsOf(secure).includes('ad'), 'secure answer with DO: AD on the wire')
      t.match(secure, /www\.nsec\.test\.\s+\d+\s+IN\s+A\s+192\.0\.2\.1/)
      const adOnly = await dig('+nodnssec', '+adflag', 'www.nsec3.test', 'A')
      t.ok(flagsOf(adOnly).includes('ad'), 'without DO but with AD in the query: AD (RFC 6840 section 5.7)')
      t.match(adOnly, /192\.0\.2\.1/)

      flip = true
      const bogus = await dig('+dnssec', 'q.wild.nsec.test', 'A')
      t.match(bogus, /status: SERVFAIL/, 'flipped RRSIG byte under strict: SERVFAIL')
      t.match(bogus, /EDE: 6\b/, 'with EDE 6 (DNSSEC Bogus)')
      t.notOk(flagsOf(bogus).includes('ad'))
      const cd = await dig('+dnssec', '+cdflag', 'q.wild.nsec.test', 'A')
      t.match(cd, /status: NOERROR/, 'with CD the data comes back')
      t.match(cd, /q\.wild\.nsec\.test\.\s+\d+\s+IN\s+A\s+192\.0\.2\.2/)
      t.notOk(flagsOf(cd).includes('ad'), 'and without AD')
    })
  })
}

/** A UDP proxy to 127.0.0.1:`upstream` that corrupts RRSIGs in answers to A questions (while `flipOn()`). */
async function flippingProxy(upstream: number, flipOn: () => boolean = () => true): Promise<{ port: number; close: () => void }> {
  const front = dgram.createSocket('udp4')
  await new Promise<void>((r) => front.bind(0, '127.0.0.1', () => r()))
  front.on('message', (msg, client) => {
    const back = dgram.createSocket('udp4')
    back.on('message', (reply) => {
      back.close()
      let out: Buffer = reply
      try {
        const p = packet.decode(reply)
        if (flipOn() && p.questions?.[0]?.type === 'A') {
          for (const a of p.answers ?? []) {
            if (a.type === 'RRSIG') {
              const sig = (a.data as { signature: Buffer }).signature
              sig[sig.length - 1] ^= 0x01
            }
          }
          out = packet.encode(p)
        }
      } catch {
        // not decodable: relayed as is
      }
      front.send(out, client.port, client.address)
    })
    back.send(msg, upstream, '127.0.0.1')
  })
  return { port: (front.address() as { port: number }).port, close: () => front.close() }
}
