/** Opens the records file (started: journal, snapshot writer) and the upstream servers file. */
import { FileRecordStore } from '../store/file-store.js'
import type { NodeRecordStore } from '../store/record-store.js'
import { openReadOnlySource } from './build-records-source.js'
import { ServersStore } from '../store/servers-file-store.js'
import type { BuildContext } from './options.js'
import { reportUnanswerable } from './unanswerable-report.js'

export interface BuiltStores {
  records: NodeRecordStore
  servers: ServersStore
}

/** Registers 'records' on the stop stack; throws DnsplaneError when a file cannot be read or parsed. */
export async function buildStores(ctx: BuildContext): Promise<BuiltStores> {
  const { config, log, stops } = ctx
  const records = config.file_locations.records_source.type === 'file' ? await openFileStore(ctx) : await openReadOnlySource(ctx)
  stops.push('records', () => records.stop())
  await records.start()
  log.info({ path: config.file_locations.records_source.location, records: records.list().length }, 'records loaded')
  reportUnanswerable(log.child({ component: 'records' }), records)

  const servers = await ServersStore.open({
    path: config.file_locations.dnsservers,
    prettyJson: config.pretty_json,
    log: log.child({ component: 'servers' }),
  })
  return { records, servers }
}

function openFileStore({ config, cfg, log }: BuildContext): Promise<FileRecordStore> {
  return FileRecordStore.open({
    path: config.file_locations.records_source.location,
    prettyJson: config.pretty_json,
    log: log.child({ component: 'records' }),
    // A new file on a cluster node starts empty: the demo record would replicate (and resurrect).
    seedRecords: config.cluster_enabled ? [] : undefined,
    massDeleteGuardPercent: () => cfg().records_mass_delete_guard_percent,
    flushDelayMs: config.records_flush_delay_ms,
  })
}
