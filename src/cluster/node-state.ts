/**
 * The node's replication state (cluster_state.json) as one owner: the current value, updates,
 * and saves chained so two writes never interleave. Sessions, the snapshot engine and the node
 * share it; only this file writes the state file.
 */
import type { Logger } from 'pino'
import { isChallengePeer, noteChallengePeer } from './session/challenge-peers.js'
import { emptyState, type ClusterState } from './peers/peer-state.js'
import { loadClusterState, saveClusterState } from './state-file.js'

export class NodeState {
  private value: ClusterState = emptyState()
  private saveChain: Promise<void> = Promise.resolve()

  constructor(
    private readonly path: string,
    private readonly log: Logger,
  ) {}

  /** Loads (or creates) the file; throws ERR_STATE_LOAD / ERR_STATE_WRITE. */
  async load(configNodeId: string | undefined, random: (bytes: number) => Buffer): Promise<void> {
    this.value = (await loadClusterState(this.path, configNodeId, random)).state
  }

  get current(): ClusterState {
    return this.value
  }

  get nodeId(): string {
    return this.value.node_id
  }

  /** Replaces the state in memory (save() persists it). */
  set(next: ClusterState): void {
    this.value = next
  }

  /** Saves the current state after any save in progress; a failure is logged and rethrown. */
  save(): Promise<void> {
    const run = () => saveClusterState(this.path, this.value)
    const p = this.saveChain.then(run, run)
    this.saveChain = p.catch((err) => this.log.error({ err }, 'cluster state save failed'))
    return p
  }

  /** Increments local_seq and saves it before anything is sent (spec §4.1); returns the new seq. */
  async nextLocalSeq(): Promise<number> {
    this.value = { ...this.value, local_seq: this.value.local_seq + 1 }
    await this.save()
    return this.value.local_seq
  }

  /** Whether this address or node id ever announced challenge auth (it never gets the plain token). */
  isChallengePeer(address: string, nodeId: string | undefined): boolean {
    return isChallengePeer(this.value.challenge_peers, address, nodeId)
  }

  /** Remembers (and persists) that an address / node id speaks challenge auth. */
  noteChallengePeer(address: string | undefined, nodeId: string | undefined): void {
    const next = noteChallengePeer(this.value.challenge_peers, address, nodeId)
    if (!next) return
    this.value = { ...this.value, challenge_peers: next }
    // A failed save is logged by save(); the in-memory rule holds until the next save.
    this.save().catch(() => undefined)
  }

  /** Waits for the saves in progress (stop). */
  async settle(): Promise<void> {
    await this.saveChain.catch(() => undefined)
  }
}
