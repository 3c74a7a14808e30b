/**
 * Warns about records that load but can never be answered (store/unanswerable.ts): at start-up and
 * whenever the file is edited or reloaded, one line per record with its index and reason (bounded),
 * then a summary. The count is also in GET /api/v1/status (`records_unanswerable`) and /metrics.
 */
import type { Logger } from 'pino'
import type { RecordStore } from '../store/record-store.js'
import { unanswerableRecords } from '../store/unanswerable.js'

/** At most this many lines per check; the summary line gives the total. */
export const MAX_UNANSWERABLE_LINES = 20

export function reportUnanswerable(log: Logger, store: Pick<RecordStore, 'list' | 'onChange'>): () => void {
  const check = () => {
    const found = unanswerableRecords(store.list())
    for (const u of found.slice(0, MAX_UNANSWERABLE_LINES)) {
      log.warn({ index: u.index, name: u.name, type: u.type, reason: u.reason }, `records[${u.index}] (${u.name} ${u.type}) is never answered: ${u.reason}`)
    }
    if (found.length > 0) log.warn({ count: found.length }, `${found.length} record(s) load but are never answered; see the lines above`)
  }
  check()
  return store.onChange((change) => {
    if (change.source === 'file' || change.source === 'reload') check()
  })
}
