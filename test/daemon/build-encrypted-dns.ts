import t from 'tap'
import { DnsplaneError } from '../../src/errors.js'
import { listenOn } from '../../src/daemon/build-encrypted-dns.js'

const bindFailure = (code: string) => new DnsplaneError('ERR_BIND_FAILED', 'cannot listen', { cause: Object.assign(new Error(code), { code }) })

t.test('an empty bind listens dual-stack on ::, else on 0.0.0.0 when the host has no IPv6', async (t) => {
  const tried: string[] = []
  t.equal(await listenOn('', async (h) => (tried.push(h), h)), '::')
  t.equal(await listenOn('192.0.2.1', async (h) => h), '192.0.2.1', 'a set bind is used as is')
  for (const code of ['EAFNOSUPPORT', 'EADDRNOTAVAIL']) {
    t.equal(await listenOn('', async (h) => {
      if (h === '::') throw bindFailure(code)
      return h
    }), '0.0.0.0', code)
  }
  await t.rejects(listenOn('', async () => {
    throw bindFailure('EADDRINUSE')
  }), { code: 'ERR_BIND_FAILED' }, 'a taken port is not retried on another address')
})
