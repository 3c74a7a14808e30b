/**
 * Runs the dialling side of the auth handshake (handshake.ts) over one connection. The caller
 * owns the connection, its deadline and closing it; this only sends, reads and decides.
 */
import { DnsplaneError } from '../../errors.js'
import type { Message, ParseResult } from '../wire/messages.js'
import { clientStep, startClient, type ClientStart, type PeerAnnouncement } from './handshake.js'

/** The frame I/O authenticateClient needs: `next` rejects on timeout or close. */
export interface HandshakeIo {
  send(message: Message): Promise<void>
  next(): Promise<ParseResult>
}

/** Frames the dialler reads at most: challenge, auth_ok. */
const MAX_HANDSHAKE_READS = 2

/**
 * Authenticates as the dialler; resolves with what the peer announced. Throws DnsplaneError
 * ERR_AUTH_LEGACY_PEER when the peer refused the challenge request like a Go node (the caller
 * decides whether a new connection may use the plain token), ERR_AUTH_FAILED otherwise.
 */
export async function authenticateClient(io: HandshakeIo, start: ClientStart): Promise<PeerAnnouncement> {
  const first = startClient(start)
  let state = first.state
  await io.send(first.message)
  for (let i = 0; i < MAX_HANDSHAKE_READS; i++) {
    const out = clientStep(state, await io.next())
    switch (out.kind) {
      case 'send':
        await io.send(out.message)
        state = out.next
        continue
      case 'authenticated':
        return out.peer
      case 'legacy_peer':
        throw new DnsplaneError('ERR_AUTH_LEGACY_PEER', 'peer does not answer challenge auth')
      case 'failed':
        throw new DnsplaneError('ERR_AUTH_FAILED', out.message)
    }
  }
  throw new DnsplaneError('ERR_AUTH_FAILED', 'auth failed: handshake did not finish')
}
