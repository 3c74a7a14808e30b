/**
 * Loading and saving cluster_state.json next to dnsplane.json (spec §8): atomic replace,
 * mode 0600. The file is created when missing.
 */
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { DnsplaneError } from '../errors.js'
import { writeFileAtomic } from '../store/atomic-write.js'
import { emptyState, parseState, resolveNodeId, serializeState, type ClusterState } from './peers/peer-state.js'

export const STATE_FILE_NAME = 'cluster_state.json'

/** Path of cluster_state.json for a loaded dnsplane.json path. */
export function statePathFor(configPath: string): string {
  return join(dirname(configPath), STATE_FILE_NAME)
}

/**
 * Reads the state (a missing file gives a fresh state), resolves the node id (spec §8) and, when
 * the file was missing, writes it. Throws ERR_STATE_LOAD on an unreadable or invalid file (a
 * silent reset would make peers ignore this node, original weak point 5), ERR_STATE_WRITE on a
 * failed create.
 */
export async function loadClusterState(
  path: string,
  configNodeId: string | undefined,
  random: (bytes: number) => Uint8Array,
): Promise<{ state: ClusterState; created: boolean }> {
  let text: string | undefined
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new DnsplaneError('ERR_STATE_LOAD', `cannot read ${path}: ${(cause as Error).message}`, { cause })
    }
  }
  const stored = text === undefined ? emptyState() : parseState(text)
  const state = { ...stored, node_id: resolveNodeId(configNodeId, stored.node_id, () => random(8)) }
  if (text === undefined) await saveClusterState(path, state)
  return { state, created: text === undefined }
}

/** Writes the state atomically with mode 0600; throws ERR_STATE_WRITE. */
export async function saveClusterState(path: string, state: ClusterState): Promise<void> {
  try {
    await writeFileAtomic(path, serializeState(state), { mode: 0o600 })
  } catch (cause) {
    throw new DnsplaneError('ERR_STATE_WRITE', `cannot write ${path}: ${(cause as Error).message}`, { cause })
  }
}
