/**
 * What a node that fetched its DNSSEC key files from a peer (docs/dnssec.md "Keys shared by the
 * cluster") may write: the peer's answer is untrusted input from an authenticated peer, so every
 * configured key must be in it, parse with the same key-file parser as a file on disk, belong to our
 * dnssec_sign_zone, and its private half must match its public half. Pure; errors name the key file,
 * never a key byte.
 */
import { DnsplaneError } from '../errors.js'
import { nameKey } from '../store/record.js'
import { parsePrivateKeyFile, parsePublicKeyFile } from './key-files.js'

/** One configured key pair: where its files go and the name a peer knows it by (`K<zone>.+<alg>+<tag>`). */
export interface KeyFileSlot {
  name: string
  keyPath: string
  privPath: string
}

export interface KeyFileWrite {
  path: string
  text: string
  /** A private key: written with mode 0600. */
  secret: boolean
}

function refuse(why: string): never {
  throw new DnsplaneError('ERR_CONFIG_INVALID', `DNSSEC keys from the peer: ${why}`)
}

/** The files to write for `slots` from a peer's `dnssec_keys` answer; throws DnsplaneError naming the problem. */
export function sharedKeyWrites(answer: { zone: string; keys: readonly { name: string; key: string; private: string }[] }, zone: string, slots: readonly KeyFileSlot[]): KeyFileWrite[] {
  const want = nameKey(zone)
  if (nameKey(answer.zone) !== want) refuse(`the answer is for zone ${answer.zone || '.'}, not ${want || '.'}`)
  const writes: KeyFileWrite[] = []
  for (const slot of slots) {
    const got = answer.keys.find((k) => k.name === slot.name)
    if (!got) refuse(`key ${slot.name} is not among the peer's keys`)
    const pub = parsePublicKeyFile(got.key, `${slot.name}.key (from the peer)`)
    if (pub.zone !== want) refuse(`key ${slot.name} is a key of ${pub.zone || '.'}, not of ${want || '.'}`)
    parsePrivateKeyFile(got.private, `${slot.name}.private (from the peer)`, pub)
    writes.push({ path: slot.keyPath, text: got.key, secret: false }, { path: slot.privPath, text: got.private, secret: true })
  }
  return writes
}
