/** Opens the records file (started: journal, snapshot writer) and the upstream servers file. */
import { FileRecordStore } from '../store/file-store.js'
import { ServersStore } from '../store/servers-file-store.js'
import type { BuildContext } from './options.js'
import { reportUnanswerable } from './unanswerable-report.js'

export interface BuiltStores {
  records: FileRecordStore
  servers: ServersStore
}

/** Registers 'records' on the stop stack; throws DnsplaneError when a file cannot be read or parsed. */
export async function buildStores({ config, cfg, log, stops }: BuildContext): Promise<BuiltStores> {
  const records = await FileRecordStore.open({
    path: config.file_locations.records_source.location,
    prettyJson: config.pretty_json,
    log: log.child({ component: 'records' }),
    // A new file on a cluster node starts empty: the demo record would replicate (and resurrect).
    seedRecords: config.cluster_enabled ? [] : undefined,
    massDeleteGuardPercent: () => cfg().records_mass_delete_guard_percent,
    flushDelayMs: config.records_flush_delay_ms,
  })
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
