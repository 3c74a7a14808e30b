/** Counting and logging records a peer sent that were refused (never stored). The caller answers the peer. */
import type { Logger } from 'pino'
import type { ClusterEvent } from '../events.js'
import type { RecordRejection } from '../wire/messages.js'
import { countRejections, describeRejections } from './entry-guard.js'

export type RejectionVia = 'delta' | 'records_full' | 'bucket_entries'

/** Emits one records_rejected event per reason and logs once; nothing when `rejected` is empty. */
export function noteRejected(
  out: { emit: (e: ClusterEvent) => void; log: Logger },
  rejected: readonly RecordRejection[],
  from: string,
  via: RejectionVia,
  text?: string,
): void {
  if (rejected.length === 0) return
  for (const [reason, count] of countRejections(rejected)) out.emit({ kind: 'records_rejected', from, reason, count, via })
  const detail = text ?? describeRejections(via, via === 'records_full' ? 'records' : 'entries', rejected)
  out.log.warn({ node_id: from || undefined, via, refused: rejected.length, detail }, 'cluster records from peer refused')
}
