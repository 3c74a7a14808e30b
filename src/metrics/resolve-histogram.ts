/**
 * dnsplane_dns_resolve_duration_seconds without prom-client's per-observation cost (a label hash and
 * two objects per call, measurable at 100k queries/s): plain counts per label and bucket, turned into
 * prom-client's metric shape only when scraped. Registered on the Registry like any prom-client metric
 * (the Registry reads name, help, type and get()/getForPromString()); the exposition is what a
 * prom-client Histogram with the same buckets prints.
 */

/** One exposition line as prom-client's Registry reads it. */
export interface Sample {
  metricName: string
  labels: Record<string, string | number>
  sharedLabels?: Record<string, string>
  value: number
}

export interface HistogramData {
  name: string
  help: string
  type: 'histogram'
  values: Sample[]
  aggregator: 'sum'
}

export class ResolveHistogram<L extends string = string> {
  readonly type = 'histogram' as const
  readonly aggregator = 'sum' as const
  /** counts[label * buckets + b]: observations in bucket b alone (not cumulative); +Inf is count - sum of these. */
  private readonly counts: Float64Array
  private readonly sums: Float64Array
  private readonly totals: Float64Array
  private readonly index = new Map<string, number>()

  /** `labelValues`: the closed set of `labelName` values; observeAt() takes their positions. */
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelName: string,
    private readonly labelValues: readonly L[],
    private readonly bounds: readonly number[],
  ) {
    labelValues.forEach((v, i) => this.index.set(v, i))
    this.counts = new Float64Array(labelValues.length * bounds.length)
    this.sums = new Float64Array(labelValues.length)
    this.totals = new Float64Array(labelValues.length)
  }

  /** Position of `value` in the label set, or -1. */
  labelIndex(value: string): number {
    return this.index.get(value) ?? -1
  }

  /** `n` (default 1) observations of `seconds` under the label at `label` (a position from labelIndex; others are ignored). */
  observeAt(label: number, seconds: number, n = 1): void {
    if (label < 0 || label >= this.totals.length) return
    this.totals[label] += n
    this.sums[label] += seconds * n
    const bounds = this.bounds
    for (let b = 0; b < bounds.length; b++) {
      if (seconds <= bounds[b]) {
        this.counts[label * bounds.length + b] += n
        return
      }
    }
  }

  reset(): void {
    this.counts.fill(0)
    this.sums.fill(0)
    this.totals.fill(0)
  }

  /** prom-client's shape: per observed label, cumulative buckets, +Inf, _sum and _count. */
  async getForPromString(): Promise<HistogramData> {
    const values: Sample[] = []
    const nb = this.bounds.length
    for (let l = 0; l < this.labelValues.length; l++) {
      if (this.totals[l] === 0) continue // as prom-client: a label appears once observed
      const shared = { [this.labelName]: this.labelValues[l] }
      let acc = 0
      for (let b = 0; b < nb; b++) {
        acc += this.counts[l * nb + b]
        values.push({ metricName: `${this.name}_bucket`, labels: { le: this.bounds[b] }, sharedLabels: shared, value: acc })
      }
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf' }, sharedLabels: shared, value: this.totals[l] })
      values.push({ metricName: `${this.name}_sum`, labels: {}, sharedLabels: shared, value: this.sums[l] })
      values.push({ metricName: `${this.name}_count`, labels: {}, sharedLabels: shared, value: this.totals[l] })
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }

  /** As getForPromString, the label folded into each sample's labels (prom-client's get()). */
  async get(): Promise<HistogramData> {
    const data = await this.getForPromString()
    data.values = data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }))
    return data
  }
}
