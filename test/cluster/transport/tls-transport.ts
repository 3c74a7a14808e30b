import { chmod, writeFile } from 'node:fs/promises'
import { connect as netConnect } from 'node:net'
import { join } from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import t, { type Test } from 'tap'
import { isDnsplaneError } from '../../../src/errors.js'
import { loadTlsMaterial, MAX_TLS_FILE_BYTES, TlsTransport } from '../../../src/cluster/transport/tls-transport.js'
import type { Connection, Transport } from '../../../src/cluster/transport/transport.js'
import { makeNode } from '../../helpers/cluster-node.js'
import { rejection } from '../../helpers/fs.js'
import { makeTestPki, opensslUnavailable, type TestPki } from '../../helpers/tls-certs.js'
import { closed, readBytes, runTransportContract } from '../../helpers/transport-contract.js'


const within = <T>(p: Promise<T>, ms = 5000) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms).unref())])


/** Listens with `transport`, echoing what it receives, recording accepted connections and handshake errors. */
async function serve(t: Test, make: (onErr: (err: Error, ip: string) => void) => Transport) {
  const accepted: Connection[] = []
  const handshakeErrors: { err: Error; ip: string }[] = []
  const transport = make((err, ip) => handshakeErrors.push({ err, ip }))
  const listener = await transport.listen('127.0.0.1:0', (c) => {
    accepted.push(c)
    c.onData((d) => void c.write(d).catch(() => undefined))
  })
  t.teardown(async () => {
    for (const c of accepted) c.destroy()
    await listener.close()
  })
  return { transport, listener, accepted, handshakeErrors }
}

/** True when the dial was refused, or the connection it gave closed without any data. */
async function isRefused(p: Promise<Connection>): Promise<boolean> {
  let conn: Connection
  try {
    conn = await p
  } catch {
    return true
  }
  // TLS 1.3: the client finishes first; the server's verdict arrives as an alert right after.
  let gotData = false
  conn.onData(() => {
    gotData = true
  })
  await conn.write(Buffer.from('probe')).catch(() => undefined)
  await within(closed(conn))
  return !gotData
}

/**
 * Writes `text` and resolves with the echo of the same length. Rejects when the connection closes
 * first: with TLS 1.3 the client's dial resolves before the server has judged its certificate, so
 * only an answer from the server proves the server accepted it.
 */
function roundTrip(conn: Connection, text: string): Promise<string> {
  const want = Buffer.byteLength(text)
  const echoed = new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = []
    conn.onData((c) => {
      chunks.push(c)
      const all = Buffer.concat(chunks)
      if (all.length >= want) resolve(all.toString())
    })
    conn.onClose(() => reject(new Error('closed before the echo arrived')))
  })
  void conn.write(Buffer.from(text)).catch(() => undefined)
  return within(echoed)
}

const reason = await opensslUnavailable()
if (reason) {
  t.plan(0, reason)
} else {
  let pki!: TestPki
  t.before(async () => {
    pki = await makeTestPki(t)
  })
  const mutual = (cert: { cert: Buffer; key: Buffer }, extra: object = {}) => new TlsTransport({ cert: cert.cert, key: cert.key, ca: pki.caCert, ...extra })

  runTransportContract(t, 'tls (mutual)', () => mutual(pki.nodeA))
  runTransportContract(t, 'tls (encrypt only)', () => new TlsTransport({ cert: pki.nodeA.cert, key: pki.nodeA.key }))

  t.test('mutual TLS', async (t) => {
    t.test('a node with a certificate from the cluster CA connects to another', async (t) => {
      const s = await serve(t, (onHandshakeError) => new TlsTransport({ cert: pki.nodeB.cert, key: pki.nodeB.key, ca: pki.caCert, onHandshakeError }))
      const client = await mutual(pki.nodeA).dial(s.listener.address, { timeoutMs: 2000 })
      t.teardown(() => client.destroy())
      t.equal(await roundTrip(client, 'hi'), 'hi', 'a full round trip: the server accepted the client certificate')
      t.equal(s.accepted.length, 1)
      t.same(s.handshakeErrors, [])
    })

    t.test('a client with a certificate from another CA is refused and never reaches the listener callback', async (t) => {
      const s = await serve(t, (onHandshakeError) => mutual(pki.nodeA, { onHandshakeError }))
      const rogue = new TlsTransport({ cert: pki.rogue.cert, key: pki.rogue.key, ca: pki.caCert })
      t.ok(await isRefused(rogue.dial(s.listener.address, { timeoutMs: 2000 })))
      t.equal(s.accepted.length, 0)
      t.equal(s.handshakeErrors.length, 1)
      t.equal(s.handshakeErrors[0]?.ip, '127.0.0.1')
    })

    t.test('a client sending no certificate is refused', async (t) => {
      const s = await serve(t, (onHandshakeError) => mutual(pki.nodeA, { onHandshakeError }))
      const [host, port] = s.listener.address.split(':')
      const sock = tlsConnect({ host, port: Number(port), rejectUnauthorized: false })
      sock.on('error', () => undefined)
      let gotData = false
      sock.on('data', () => {
        gotData = true
      })
      sock.on('secureConnect', () => sock.write('probe'))
      await within(new Promise((resolve) => sock.once('close', resolve)))
      t.notOk(gotData)
      t.equal(s.accepted.length, 0)
      t.equal(s.handshakeErrors.length, 1)
    })

    t.test('an encrypt-only node whose certificate the cluster CA signed is accepted (it presents its cert)', async (t) => {
      const s = await serve(t, (onHandshakeError) => mutual(pki.nodeA, { onHandshakeError }))
      const c = await new TlsTransport({ cert: pki.nodeB.cert, key: pki.nodeB.key }).dial(s.listener.address, { timeoutMs: 2000 })
      t.teardown(() => c.destroy())
      t.equal(await roundTrip(c, 'hello'), 'hello', 'a full round trip: the mutual-TLS server accepted the certificate')
      t.equal(s.accepted.length, 1)
      t.same(s.handshakeErrors, [])
    })

    t.test('the client refuses a server whose certificate another CA signed', async (t) => {
      const s = await serve(t, (onHandshakeError) => new TlsTransport({ cert: pki.rogue.cert, key: pki.rogue.key, ca: pki.caCert, onHandshakeError }))
      const err = await rejection(mutual(pki.nodeA).dial(s.listener.address, { timeoutMs: 2000 }))
      t.match(String(err), /certificate/i)
      t.equal(s.accepted.length, 0)
    })

    t.test('serverName, when set, must match the server certificate', async (t) => {
      const s = await serve(t, () => mutual(pki.nodeB))
      const ok = await mutual(pki.nodeA, { serverName: 'localhost' }).dial(s.listener.address, { timeoutMs: 2000 })
      ok.destroy()
      await t.rejects(mutual(pki.nodeA, { serverName: 'other.example' }).dial(s.listener.address, { timeoutMs: 2000 }), /other\.example/)
    })
  })

  t.test('without a CA nothing is verified: a client accepts a server from any CA', async (t) => {
    const s = await serve(t, () => new TlsTransport({ cert: pki.rogue.cert, key: pki.rogue.key }))
    const client = await new TlsTransport({ cert: pki.nodeA.cert, key: pki.nodeA.key }).dial(s.listener.address, { timeoutMs: 2000 })
    client.destroy()
    t.pass('connected')
  })

  t.test('a plain TCP client sending bytes to a TLS listener is closed and the listener keeps serving', async (t) => {
    const s = await serve(t, (onHandshakeError) => mutual(pki.nodeA, { onHandshakeError }))
    const [host, port] = s.listener.address.split(':')
    const sock = netConnect({ host, port: Number(port) })
    sock.on('error', () => undefined)
    const sockClosed = new Promise<void>((resolve) => sock.once('close', () => resolve()))
    sock.on('connect', () => sock.write(Buffer.from('\x00\x00\x00\x1e{"type":"auth","token":"secret"}')))
    await within(sockClosed)
    t.equal(s.accepted.length, 0)
    t.equal(s.handshakeErrors.length, 1)
    const client = await mutual(pki.nodeB).dial(s.listener.address, { timeoutMs: 2000 })
    client.destroy()
    t.pass('still serving')
  })

  t.test('the handshake timeout closes a silent socket', async (t) => {
    const s = await serve(t, (onHandshakeError) => mutual(pki.nodeA, { onHandshakeError, handshakeTimeoutMs: 100 }))
    const [host, port] = s.listener.address.split(':')
    const sock = netConnect({ host, port: Number(port) })
    sock.on('error', () => undefined)
    const sockClosed = new Promise<void>((resolve) => sock.once('close', () => resolve()))
    await within(sockClosed)
    t.equal(s.accepted.length, 0)
    t.equal(s.handshakeErrors.length, 1)
    t.match(s.handshakeErrors[0]?.err.message, /timeout|timed out/i)
  })

  t.test('a TLS 1.1-only client is refused', async (t) => {
    const s = await serve(t, () => new TlsTransport({ cert: pki.nodeA.cert, key: pki.nodeA.key }))
    const [host, port] = s.listener.address.split(':')
    const err = await new Promise<Error | undefined>((resolve) => {
      const sock = tlsConnect({ host, port: Number(port), rejectUnauthorized: false, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })
      sock.once('secureConnect', () => {
        sock.destroy()
        resolve(undefined)
      })
      sock.once('error', resolve)
    })
    t.ok(err, 'handshake failed')
    t.equal(s.accepted.length, 0)
  })

  t.test('the constructor rejects a key that does not belong to the certificate', async (t) => {
    t.throws(() => new TlsTransport({ cert: pki.nodeA.cert, key: pki.nodeB.key }), { code: 'ERR_CONFIG_INVALID' })
    t.throws(() => new TlsTransport({ cert: 'not pem', key: 'not pem' }), { code: 'ERR_CONFIG_INVALID' })
    t.throws(() => new TlsTransport({ cert: pki.nodeA.cert, key: pki.nodeA.key, handshakeTimeoutMs: 0 }), { code: 'ERR_CONFIG_INVALID' })
  })

  t.test('two cluster managers replicate over mutual TLS', async (t) => {
    const a = makeNode(mutual(pki.nodeA), { cluster_node_id: 'node-a' })
    const b = makeNode(mutual(pki.nodeB), { cluster_node_id: 'node-b' })
    await a.manager.start()
    await b.manager.start()
    t.teardown(async () => {
      await a.manager.stop()
      await b.manager.stop()
    })
    const bAddr = b.manager.listenAddress() as string
    await a.manager.addPeer(bAddr)
    await a.store.add({ name: 'tls.example', type: 'A', value: '192.0.2.9' })
    await b.waitEvent((e) => e.kind === 'snapshot_applied' && e.from === 'node-a')
    t.equal(b.store.list()[0]?.name, 'tls.example')
  })

  t.test('loadTlsMaterial', async (t) => {
    t.test('reads cert, key and ca, resolving relative paths against baseDir', async (t) => {
      await chmod(pki.nodeA.keyPath, 0o600)
      const m = await loadTlsMaterial({ cert: 'node-a.crt', key: 'node-a.key', ca: 'cluster-ca.crt' }, pki.dir)
      t.same(m.cert, pki.nodeA.cert)
      t.same(m.key, pki.nodeA.key)
      t.same(m.ca, pki.caCert)
      t.same(m.warnings, [])
      new TlsTransport(m)
    })

    t.test('an empty ca path means no ca', async (t) => {
      const m = await loadTlsMaterial({ cert: pki.nodeA.certPath, key: pki.nodeA.keyPath, ca: '' })
      t.equal(m.ca, undefined)
    })

    t.test('warns when the key file is readable by group or others', async (t) => {
      const keyPath = join(pki.dir, 'open.key')
      await writeFile(keyPath, pki.nodeB.key, { mode: 0o644 })
      await chmod(keyPath, 0o644)
      const m = await loadTlsMaterial({ cert: pki.nodeB.certPath, key: keyPath })
      t.equal(m.warnings.length, 1)
      t.match(m.warnings[0], /cluster_tls_key.*600/)
    })

    const bad = async (name: string, content: Buffer | string) => {
      const p = join(pki.dir, name)
      await writeFile(p, content, { mode: 0o600 })
      return p
    }
    const cases: [string, () => Promise<{ cert: string; key: string; ca?: string }>, RegExp][] = [
      ['a missing cert file', async () => ({ cert: join(pki.dir, 'nope.crt'), key: pki.nodeA.keyPath }), /^cluster_tls_cert: cannot open .*ENOENT/],
      ['a missing key file', async () => ({ cert: pki.nodeA.certPath, key: join(pki.dir, 'nope.key') }), /^cluster_tls_key: cannot open/],
      ['a missing ca file', async () => ({ cert: pki.nodeA.certPath, key: pki.nodeA.keyPath, ca: join(pki.dir, 'nope.pem') }), /^cluster_tls_ca: cannot open/],
      ['an empty cert path', async () => ({ cert: '', key: pki.nodeA.keyPath }), /^cluster_tls_cert: must be set/],
      ['an empty key path', async () => ({ cert: pki.nodeA.certPath, key: ' ' }), /^cluster_tls_key: must be set/],
      ['a directory as cert', async () => ({ cert: pki.dir, key: pki.nodeA.keyPath }), /^cluster_tls_cert: .* not a regular file/],
      ['a cert file that is not PEM', async () => ({ cert: await bad('junk.crt', 'hello'), key: pki.nodeA.keyPath }), /^cluster_tls_cert: .* no PEM certificate/],
      ['a corrupt PEM cert', async () => ({ cert: await bad('corrupt.crt', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), key: pki.nodeA.keyPath }), /^cluster_tls_cert: .* not a valid PEM certificate/],
      ['a key file that is not a key', async () => ({ cert: pki.nodeA.certPath, key: await bad('junk.key', 'hello') }), /^cluster_tls_key: .* not a valid/],
      ['a key of another certificate', async () => ({ cert: pki.nodeA.certPath, key: pki.nodeB.keyPath }), /^cluster_tls_key: .* does not belong/],
      ['a ca file that is not PEM', async () => ({ cert: pki.nodeA.certPath, key: pki.nodeA.keyPath, ca: await bad('junk-ca.pem', 'x') }), /^cluster_tls_ca: .* no PEM certificate/],
      ['a cert file one byte over MAX_TLS_FILE_BYTES', async () => ({ cert: await bad('huge.crt', Buffer.alloc(MAX_TLS_FILE_BYTES + 1, 0x41)), key: pki.nodeA.keyPath }), /^cluster_tls_cert: .* over the 1048576-byte limit/],
    ]
    for (const [name, paths, message] of cases) {
      t.test(`rejects ${name} with ERR_CONFIG_INVALID naming the config key`, async (t) => {
        const err = await rejection(loadTlsMaterial(await paths()))
        t.ok(isDnsplaneError(err, 'ERR_CONFIG_INVALID'), String(err))
        t.match((err as Error).message, message)
      })
    }

    t.test('accepts a file of exactly MAX_TLS_FILE_BYTES (padding after the PEM)', async (t) => {
      const padded = Buffer.alloc(MAX_TLS_FILE_BYTES, 0x0a)
      pki.caCert.copy(padded)
      const p = await bad('padded-ca.pem', padded)
      const m = await loadTlsMaterial({ cert: pki.nodeA.certPath, key: pki.nodeA.keyPath, ca: p })
      t.equal(m.ca?.length, MAX_TLS_FILE_BYTES)
    })
  })
}
