/**
 * The original's read-only records sources (docs/zone-files.md): `url` (GET of our JSON format)
 * and `bind_dir` (BIND zone files). Not with cluster_enabled: a cluster replicates writes, and a
 * read-only source takes none (a refresh is not a write to version or push).
 */
import { DnsplaneError } from '../errors.js'
import { ReadOnlyRecordStore } from '../store/read-only-store.js'
import { checkSourceUrl, fetchRecords } from '../store/url-source.js'
import { loadBindDir, watchBindDir } from '../zonefile/bind-dir.js'
import type { BuildContext } from './options.js'

export async function openReadOnlySource({ config, log }: BuildContext): Promise<ReadOnlyRecordStore> {
  const src = config.file_locations.records_source
  if (config.cluster_enabled) {
    throw new DnsplaneError(
      'ERR_CONFIG_INVALID',
      `file_locations.records_source.type "${src.type}" is read-only and cannot be used with cluster_enabled; use type "file" on cluster nodes`,
    )
  }
  const refreshMs = src.refresh_interval_seconds * 1000
  const slog = log.child({ component: 'records' })
  if (src.type === 'url') {
    checkSourceUrl(src.location)
    return ReadOnlyRecordStore.open({ kind: 'url', location: src.location, load: () => fetchRecords(src.location), refreshMs, log: slog })
  }
  const opts = { dir: src.location, includePattern: src.include_pattern, namedConf: src.named_conf }
  return ReadOnlyRecordStore.open({
    kind: 'bind_dir',
    location: src.location,
    load: () => loadBindDir(opts),
    refreshMs,
    watch: src.watch ? (changed) => watchBindDir(opts, changed) : undefined,
    log: slog,
  })
}
