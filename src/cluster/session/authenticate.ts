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
 * How a dialled handshake ended when it did not fail: authenticated with what the peer announced,
 * or refused like a Go node refuses a challenge request (the caller decides, with
 * decidePlainFallback, whether a new connection may use the plain token).
 */
export type ClientHandshake = { kind: 'authenticated'; peer: PeerAnnouncement } | { kind: 'legacy_peer' }

/**
 * Authenticates as the dialler. The fallback case is a value (`legacy_peer`), not an exception;
 * throws DnsplaneError ERR_AUTH_FAILED on any other refusal, and whatever `io` throws.
 */
export async function authenticateClient(io: HandshakeIo, start: ClientStart): Promise<ClientHandshake> {
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
        return { kind: 'authenticated', peer: out.peer }
      case 'legacy_peer':
        return { kind: 'legacy_peer' }
      case 'failed':
        throw new DnsplaneError('ERR_AUTH_FAILED', out.message)
    }
  }
  throw new DnsplaneError('ERR_AUTH_FAILED', 'auth failed: handshake did not finish')
}
