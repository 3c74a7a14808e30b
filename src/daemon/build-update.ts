/** RFC 2136 dynamic updates on the DNS listeners: the TSIG keyring from tsig_keys and the UpdateHandler. */
import { buildKeyring, type Keyring } from '../dns/tsig/keyring.js'
import { readSecretFile } from '../dns/tsig/key-files.js'
import { UpdateHandler } from '../dns/update/update-handler.js'
import { formatGoTime } from '../store/record.js'
import type { NodeRecordStore } from '../store/record-store.js'
import type { BuildContext } from './options.js'

/** The keyring of `tsig_keys` (secret files read now); throws ERR_CONFIG_INVALID naming the bad field. */
export function buildTsigKeyring(ctx: BuildContext): Keyring {
  return buildKeyring(ctx.config.tsig_keys, readSecretFile)
}

export function buildUpdateService(ctx: BuildContext, records: NodeRecordStore): UpdateHandler {
  const keyring = buildTsigKeyring(ctx)
  if (keyring.size > 0 || ctx.config.update_allowed_networks.length > 0) {
    ctx.log.info({ tsig_keys: keyring.size, update_allowed_networks: ctx.config.update_allowed_networks.length }, 'dynamic updates (RFC 2136) accepted')
  }
  return new UpdateHandler({
    store: records,
    keyring,
    allowedNetworks: ctx.config.update_allowed_networks,
    localWritesAllowed: () =>
      ctx.cfg().cluster_reject_local_writes
        ? { ok: false, reason: 'local record writes are disabled on this node (cluster_reject_local_writes)' }
        : { ok: true },
    newRecord: (v) => records.newRecord(v),
    stamp: () => formatGoTime(new Date()),
    now: Date.now,
    log: ctx.log.child({ component: 'update' }),
  })
}
