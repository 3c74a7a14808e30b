/** The online signer of dnssec_sign_zone (docs/dnssec.md), or none when dnssec_sign_enabled is false. */
import { OnlineSigner } from '../dnssec/online-signer.js'
import { readSigningKeys } from '../dnssec/read-keys.js'
import type { BuildContext } from './options.js'

/** Throws DnsplaneError ERR_CONFIG_INVALID when a key file is missing, malformed or of another zone. */
export function buildSigner({ config, log }: BuildContext): OnlineSigner | undefined {
  if (!config.dnssec_sign_enabled) return undefined
  const keys = readSigningKeys(config)
  const signer = new OnlineSigner(keys, keys[0].zone)
  log.info({ zone: signer.zone || '.', keys: keys.map((k) => ({ tag: k.keyTag, algorithm: k.algorithm, ksk: k.ksk })) }, 'DNSSEC online signing enabled')
  return signer
}
