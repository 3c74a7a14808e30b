/**
 * A DNS client that keeps querying every node during a scenario and counts answers, so each
 * scenario can report (and bound) the answer rate while faults are injected.
 */
import { queryUdp } from '../dns-client.js'
import type { LabNode } from './cluster.js'

export interface ProbeStats {
  sent: number
  answered: number
  /** answered / sent (1 when nothing was sent). */
  rate: number
}

export class DnsProber {
  private running = false
  private loops: Promise<void>[] = []
  readonly stats = new Map<string, { sent: number; answered: number }>()

  /**
   * @param targets nodes to query; only while a node is ready (started, not killed or stopped) and
   *   `skip(node)` is false is it queried and counted
   * @param name a name every node serves (answer = any DNS response, NOERROR with an answer)
   */
  constructor(
    private readonly targets: LabNode[],
    private readonly name: string,
    private readonly opts: { intervalMs?: number; timeoutMs?: number; skip?: (n: LabNode) => boolean } = {},
  ) {}

  start(): this {
    this.running = true
    for (const n of this.targets) {
      const s = { sent: 0, answered: 0 }
      this.stats.set(n.id, s)
      this.loops.push(this.loop(n, s))
    }
    return this
  }

  private async loop(n: LabNode, s: { sent: number; answered: number }): Promise<void> {
    const interval = this.opts.intervalMs ?? 50
    const up = () => n.ready && !n.stopped && !(this.opts.skip?.(n) ?? false)
    while (this.running) {
      if (up()) {
        const gen = n.generation
        let ok = false
        try {
          const p = await queryUdp(n.dnsPort, this.name, 'A', this.opts.timeoutMs ?? 500, n.host)
          ok = (p.answers?.length ?? 0) > 0
        } catch {
          // counted as unanswered below
        }
        // A node that went down mid-query is not held against the rate.
        if (up() && n.generation === gen) {
          s.sent++
          if (ok) s.answered++
        }
      }
      await new Promise((r) => setTimeout(r, interval))
    }
  }

  async stop(): Promise<Map<string, ProbeStats>> {
    this.running = false
    await Promise.all(this.loops)
    const out = new Map<string, ProbeStats>()
    for (const [id, s] of this.stats) out.set(id, { ...s, rate: s.sent === 0 ? 1 : s.answered / s.sent })
    return out
  }

  /** One line per node: "node-0 120/120 (100.0 %)". */
  static format(stats: Map<string, ProbeStats>): string {
    return [...stats].map(([id, s]) => `${id} ${s.answered}/${s.sent} (${(s.rate * 100).toFixed(1)} %)`).join(', ')
  }
}
