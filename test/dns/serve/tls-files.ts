import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readTlsPair, MAX_TLS_FILE_BYTES } from '../../../src/dns/serve/tls-files.js'
import { makeTestPki, opensslUnavailable } from '../../helpers/tls-certs.js'

const keys = (certFile: string, keyFile: string) => ({ certKey: 'dot_cert_file', certFile, keyKey: 'dot_key_file', keyFile })

t.test('readTlsPair', async (t) => {
  const why = await opensslUnavailable()
  if (why) return t.skip(why, () => {})
  const pki = await makeTestPki(t)

  t.test('reads a matching pair, relative paths against the config directory', async (t) => {
    const pair = await readTlsPair(keys('node-a.crt', 'node-a.key'), pki.dir)
    t.same(pair.cert, pki.nodeA.cert)
    t.same(pair.key, pki.nodeA.key)
  })

  t.test('every failure is a config error naming the key', async (t) => {
    await t.rejects(readTlsPair(keys('', pki.nodeA.keyPath), pki.dir), { code: 'ERR_CONFIG_INVALID', message: /^dot_cert_file: must be set/ })
    await t.rejects(readTlsPair(keys(pki.nodeA.certPath, '  '), pki.dir), { code: 'ERR_CONFIG_INVALID', message: /^dot_key_file: must be set/ })
    await t.rejects(readTlsPair(keys('missing.crt', pki.nodeA.keyPath), pki.dir), { code: 'ERR_CONFIG_INVALID', message: /^dot_cert_file: cannot read .*missing\.crt/ })
    await t.rejects(readTlsPair(keys(pki.nodeA.certPath, 'missing.key'), pki.dir), { code: 'ERR_CONFIG_INVALID', message: /^dot_key_file: cannot read/ })
    const empty = join(pki.dir, 'empty.pem')
    await writeFile(empty, '')
    await t.rejects(readTlsPair(keys(empty, pki.nodeA.keyPath), pki.dir), { message: /^dot_cert_file: .* is empty or larger than/ })
    const huge = join(pki.dir, 'huge.pem')
    await writeFile(huge, Buffer.alloc(MAX_TLS_FILE_BYTES + 1, 0x41))
    await t.rejects(readTlsPair(keys(pki.nodeA.certPath, huge), pki.dir), { message: /^dot_key_file: .* is empty or larger than/ })
    const junk = join(pki.dir, 'junk.pem')
    await writeFile(junk, 'not a certificate\n')
    await t.rejects(readTlsPair(keys(junk, pki.nodeA.keyPath), pki.dir), { code: 'ERR_CONFIG_INVALID', message: /^dot_cert_file\/dot_key_file: not a usable/ })
    // the key of another certificate
    await t.rejects(readTlsPair(keys(pki.nodeA.certPath, pki.nodeB.keyPath), pki.dir), { code: 'ERR_CONFIG_INVALID', message: /^dot_cert_file\/dot_key_file: not a usable/ })
  })
})
