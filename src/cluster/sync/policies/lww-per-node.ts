/** lww_per_node (default): every non-duplicate snapshot is applied; the last one to arrive wins. */
import type { SyncPolicy } from './types.js'

export const lwwPerNode: SyncPolicy = {
  name: 'lww_per_node',
  decide: () => ({ apply: true }),
}
