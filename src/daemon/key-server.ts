/**
 * Keys shared by the cluster, serving side (docs/dnssec.md): what a signing node answers an
 * authenticated peer's dnssec_keys_pull. Only its own signed zone, only over cluster TLS unless
 * dnssec_key_share_plain allows plain TCP; logs names and tags of keys, never their bytes.
 */
import type { Logger } from 'pino'
import type { Config } from '../config/schema.js'
import type { Message } from '../cluster/wire/messages.js'
import { readKeyTexts } from '../dnssec/read-keys.js'
import { nameKey } from '../store/record.js'

export type TransportKind = 'tcp' | 'tls' | 'mutual_tls'

type ShareConfig = Pick<Config, 'cluster_enabled' | 'dnssec_sign_enabled' | 'dnssec_sign_zone' | 'dnssec_sign_key_file' | 'dnssec_sign_private_key_file' | 'dnssec_key_share_plain'>

/** Why keys may not travel over this cluster transport, or undefined when they may. */
export function plainShareRefusal(config: Pick<Config, 'dnssec_key_share_plain'>, kind: TransportKind): string | undefined {
  if (kind === 'tcp' && !config.dnssec_key_share_plain) return 'DNSSEC keys are shared over cluster TLS only (dnssec_key_share_plain is false)'
  return undefined
}

/**
 * The dnssec_keys_pull handler of a signing cluster node; undefined (capability not announced) otherwise.
 * The key files are read here, once, with the checks of read-keys.ts (size, mode 0600, zone, pairs): the
 * dnssec_sign_* keys apply at restart and the signer reads the same files once, so a pull is served from
 * memory and never touches the disk. Throws DnsplaneError ERR_CONFIG_INVALID naming the file (never key bytes).
 */
export function keyServer(config: ShareConfig, kind: TransportKind, log: Logger): ((zone: string, remoteIp: string) => Message) | undefined {
  if (!config.cluster_enabled || !config.dnssec_sign_enabled) return undefined
  const own = nameKey(config.dnssec_sign_zone)
  const keys = readKeyTexts(config)
  return (zone, remoteIp) => {
    const refused = plainShareRefusal(config, kind)
    if (refused) {
      log.warn({ remote_ip: remoteIp }, 'cluster peer asked for the DNSSEC keys over plain TCP; refused')
      return { type: 'error', message: refused }
    }
    if (nameKey(zone) !== own) return { type: 'error', message: 'this node signs another zone' }
    log.info({ remote_ip: remoteIp, zone: own || '.', keys: keys.map((k) => k.name) }, 'served the DNSSEC key files to a cluster peer')
    return { type: 'dnssec_keys', zone: own, keys }
  }
}
