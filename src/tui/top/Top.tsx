/**
 * `dnsplane top`: a terminal dashboard over the control API (socket or TCP + token), like the web
 * dashboard without a browser: query rate, cache-hit and latency sparklines, what the DNS abuse limits did, upstream health and the
 * cluster grid, red where the dashboard is red. q, Esc or Ctrl-C quits; Ink redraws on resize.
 */
import { Box, Text, useApp, useInput } from 'ink'
import type { DaemonClient } from '../daemon-client.js'
import { RateSparklines } from '../components/RateSparklines.js'
import { useLiveStats } from '../hooks/use-live-stats.js'
import { Sparkline } from '../components/Sparkline.js'
import { CLUSTER_COLUMNS, UPSTREAM_COLUMNS, clusterGrid, formatMs, latencyView, limitsLine, upstreamGrid, type GridRow, type LatencyView } from './top-data.js'
import { usePoll } from './use-poll.js'
import { columnWidths } from '../format.js'

export interface TopProps {
  client: DaemonClient
  /** Poll interval, milliseconds. */
  intervalMs: number
  now?: () => number
}

function Grid({ columns, rows, empty }: { columns: readonly string[]; rows: GridRow[]; empty: string }) {
  if (rows.length === 0) return <Text dimColor>{empty}</Text>
  const widths = columnWidths([...columns], rows.map((r) => r.cells))
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()
  return (
    <Box flexDirection="column">
      <Text bold color="cyan">
        {line(columns)}
      </Text>
      {rows.map((r, i) => (
        <Text key={i} color={r.bad ? 'red' : undefined} wrap="truncate-end">
          {line(r.cells)}
        </Text>
      ))}
    </Box>
  )
}

/** The per-minute series changes once a minute; polling it faster than this only costs the daemon. */
const LATENCY_POLL_MIN_MS = 5000

/** Average resolve time per minute over the last hour (the web dashboard's chart), with the latest and overall figures. */
function Latency({ view, error }: { view?: LatencyView; error?: string }) {
  if (!view) return <Text dimColor>{error ? `latency: ${error}` : 'latency …'}</Text>
  return (
    <Box>
      <Box width={22}>
        <Text>latency {formatMs(view.recentMs).padStart(10)}</Text>
      </Box>
      <Sparkline values={view.perMinute} min={0} color="yellow" />
      <Text dimColor>
        {' '}
        per minute, 1 h · avg {formatMs(view.avgMs)} · max {formatMs(view.maxMs)}
      </Text>
    </Box>
  )
}

export function Top({ client, intervalMs, now = Date.now }: TopProps) {
  const { exit } = useApp()
  useInput((input, key) => {
    if (input === 'q' || input === 'Q' || key.escape || (key.ctrl && input === 'c')) exit()
  })
  const stats = useLiveStats(client, intervalMs, now)
  const upstreams = usePoll(client, '/dns/upstreams/health', intervalMs)
  const dashboard = usePoll(client, '/stats/dashboard/data', Math.max(intervalMs, LATENCY_POLL_MIN_MS))
  const cluster = usePoll(client, '/api/v1/cluster', intervalMs)
  const grid = cluster.raw === undefined ? undefined : clusterGrid(cluster.raw)
  const limits = limitsLine(dashboard.raw)
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>dnsplane top</Text> <Text dimColor>· {client.target.display} · every {intervalMs / 1000}s · q to quit</Text>
      </Text>
      <Box flexDirection="column" borderStyle="round" borderColor="gray" paddingX={1}>
        <Text bold>Queries</Text>
        <RateSparklines qps={stats.qps} hitRatio={stats.hitRatio} />
        <Latency view={dashboard.raw === undefined ? undefined : latencyView(dashboard.raw)} error={dashboard.error} />
        {stats.counters ? <Text dimColor>total {stats.counters.total_queries} · forwarded {stats.counters.total_queries_forwarded} · blocked {stats.counters.total_blocks}</Text> : null}
        {limits ? <Text color={limits.active ? 'yellow' : undefined} dimColor={!limits.active}>{limits.text}</Text> : null}
        {stats.error ? <Text color="red">stats: {stats.error}</Text> : null}
      </Box>
      <Box flexDirection="column" borderStyle="round" borderColor="gray" paddingX={1}>
        <Text bold>Upstreams</Text>
        <Grid columns={UPSTREAM_COLUMNS} rows={upstreamGrid(upstreams.raw)} empty={upstreams.error ? `upstreams: ${upstreams.error}` : 'no upstream health data (health checks off or no servers)'} />
      </Box>
      <Box flexDirection="column" borderStyle="round" borderColor={grid && !grid.ok ? 'red' : 'gray'} paddingX={1}>
        <Text bold>Cluster</Text>
        {grid ? (
          <Text color={grid.enabled ? (grid.ok ? 'green' : 'red') : undefined} dimColor={!grid.enabled}>
            {grid.summary}
          </Text>
        ) : (
          <Text dimColor>{cluster.error ? `cluster: ${cluster.error}` : '…'}</Text>
        )}
        {grid?.enabled ? <Grid columns={CLUSTER_COLUMNS} rows={grid.rows} empty="no peers" /> : null}
      </Box>
    </Box>
  )
}
