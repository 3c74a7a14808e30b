/**
 * Keys shared by the cluster, fetching side (docs/dnssec.md): a node with dnssec_sign_enabled whose
 * key files are absent asks its static peers (cluster_peers) for them at start, before the DNS
 * listeners open, over an authenticated cluster session (challenge auth only: the plain token is
 * never sent for this), checks the answer with the key-file parser (dnssec/key-share.ts) and writes
 * the missing files atomically, private keys with mode 0600. The signer then reads them as usual.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import { clusterToken } from '../config/cluster-token.js'
import { NodeState } from '../cluster/node-state.js'
import { Dialer, type Session } from '../cluster/session/dialer.js'
import { statePathFor } from '../cluster/state-file.js'
import { DIAL_TIMEOUT_MS, PULL_DEADLINE_MS } from '../cluster/settings.js'
import { TcpTransport } from '../cluster/transport/tcp-transport.js'
import { CAP_CHALLENGE, CAP_DNSSEC_KEYS, MAX_SHARED_KEYS, parseMessage } from '../cluster/wire/messages.js'
import { sharedKeyWrites, type KeyFileSlot } from '../dnssec/key-share.js'
import { keyFileName, keyFilePaths } from '../dnssec/read-keys.js'
import { DnsplaneError } from '../errors.js'
import { writeFileAtomic } from '../store/atomic-write.js'
import { clusterTransportFor } from './build-cluster.js'
import { plainShareRefusal } from './key-server.js'
import type { BuildContext } from './options.js'

/**
 * Frame limit of a key-fetch session: 16 pairs of two 16 KiB texts, with room for JSON escaping; a
 * bigger answer ends the session (not the node's 64 MiB cluster limit).
 */
export const MAX_KEYS_FRAME_BYTES = MAX_SHARED_KEYS * 2 * 16_384 * 2

export interface FetchOptions {
  /** Passes over the peer list before giving up (peers may be starting too); default 5. */
  rounds?: number
  /** Pause between passes; default 2 s. */
  retryMs?: number
}

/** Fetches absent key files from a peer; throws DnsplaneError ERR_CONFIG_INVALID when no peer serves them. */
export async function fetchSharedKeys({ config, log }: BuildContext, configPath: string, opts: FetchOptions = {}): Promise<void> {
  if (!config.dnssec_sign_enabled || !config.cluster_enabled || config.cluster_peers.length === 0) return
  const slots: KeyFileSlot[] = keyFilePaths(config).map((p) => ({ ...p, name: keyFileName(p.keyPath) }))
  const missing = slots.filter((s) => !existsSync(s.keyPath) || !existsSync(s.privPath))
  if (missing.length === 0) return
  const { transport, transportKind } = await clusterTransportFor(config, dirname(configPath), log)
  const refused = plainShareRefusal(config, transportKind)
  if (refused) throw new DnsplaneError('ERR_CONFIG_INVALID', `DNSSEC key files are missing and ${refused}: configure cluster TLS or copy the key files`)
  const klog = log.child({ component: 'dnssec' })
  // Announce the node id the cluster will use (cluster_state.json, created now if absent, as the cluster would).
  const state = new NodeState(statePathFor(configPath), klog)
  await state.load(config.cluster_node_id, randomBytes)
  const dialer = new Dialer({
    transport: transport ?? new TcpTransport(),
    state: { nodeId: state.nodeId, isChallengePeer: () => false },
    knownNodeId: () => undefined,
    onAnnounced: (_peer, info) => ({ caps: info.caps ?? [], nodeId: info.node_id }),
    log: klog,
    now: Date.now,
    random: randomBytes,
    maxFrameBytes: MAX_KEYS_FRAME_BYTES,
    token: () => clusterToken(config.cluster_auth_token),
    // Only our own nodes can serve keys, and they all speak challenge auth: never the plain token here.
    plainTokenAllowed: () => false,
    ownCaps: () => [CAP_CHALLENGE],
    signal: () => new AbortController().signal,
    emit: () => {},
    parse: parseMessage,
  })
  const rounds = opts.rounds ?? 5
  for (let round = 1; round <= rounds; round++) {
    for (const peer of config.cluster_peers) {
      if (await fetchFrom(dialer, peer, config.dnssec_sign_zone, missing, klog)) return
    }
    if (round < rounds) await sleep(opts.retryMs ?? 2000)
  }
  throw new DnsplaneError('ERR_CONFIG_INVALID', `DNSSEC key files are missing (${missing.map((s) => s.name).join(', ')}) and no cluster peer served them`)
}

/** One peer: true when its answer checked out and the missing files are written. */
async function fetchFrom(dialer: Dialer, peer: string, zone: string, slots: KeyFileSlot[], log: Logger): Promise<boolean> {
  let session: Session
  try {
    session = await dialer.dial(peer, DIAL_TIMEOUT_MS, PULL_DEADLINE_MS)
  } catch (err) {
    log.warn({ peer, error: (err as Error).message }, 'DNSSEC key fetch: cannot reach the cluster peer')
    return false
  }
  try {
    if (!session.caps.includes(CAP_DNSSEC_KEYS)) {
      log.info({ peer }, 'DNSSEC key fetch: the peer shares no keys (not a signer, or not a dnsplane node)')
      return false
    }
    await session.ch.send({ type: 'dnssec_keys_pull', zone })
    const reply = parseMessage(await session.ch.next(PULL_DEADLINE_MS))
    const answer = reply.ok ? reply.message : undefined
    if (answer?.type === 'error') {
      log.warn({ peer, error: (answer as { message?: string }).message }, 'DNSSEC key fetch: the peer refused')
      return false
    }
    if (answer?.type !== 'dnssec_keys') {
      // reason only: a JSON error text may quote the frame, which holds key bytes
      await session.ch.send({ type: 'error', message: 'expected dnssec_keys' })
      log.warn({ peer, reason: reply.ok ? 'unexpected_type' : reply.reason }, 'DNSSEC key fetch: invalid answer from the peer')
      return false
    }
    let writes
    try {
      writes = sharedKeyWrites(answer, zone, slots)
    } catch (err) {
      await session.ch.send({ type: 'error', message: (err as Error).message })
      log.warn({ peer, error: (err as Error).message }, 'DNSSEC key fetch: the peer sent keys we refuse')
      return false
    }
    for (const w of writes) {
      if (!existsSync(w.path)) await writeFileAtomic(w.path, w.text, { mode: w.secret ? 0o600 : 0o644 })
    }
    log.info({ peer, keys: slots.map((s) => s.name) }, 'DNSSEC key files fetched from a cluster peer')
    return true
  } catch (err) {
    log.warn({ peer, error: (err as Error).message }, 'DNSSEC key fetch failed')
    return false
  } finally {
    session.close()
  }
}
