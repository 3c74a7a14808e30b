/** Live view of `stats`: queries/s and cache-hit ratio sparklines, refreshed each poll until a key is pressed. */
import { Box, Text } from 'ink'
import type { DaemonClient } from '../daemon-client.js'
import { useLiveStats } from '../hooks/use-live-stats.js'
import { Sparkline } from './Sparkline.js'

export interface LiveStatsProps {
  client: DaemonClient
  intervalMs: number
  now: () => number
}

export function LiveStats({ client, intervalMs, now }: LiveStatsProps) {
  const s = useLiveStats(client, intervalMs, now)
  const qps = s.qps.length > 0 ? s.qps[s.qps.length - 1] : undefined
  const hit = s.hitRatio.length > 0 ? s.hitRatio[s.hitRatio.length - 1] : undefined
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="gray" paddingX={1}>
      <Text bold>live stats (every {Math.round(intervalMs / 100) / 10}s) — press any key to stop</Text>
      <Box>
        <Box width={22}>
          <Text>queries/s {qps === undefined ? '…' : qps.toFixed(1).padStart(8)}</Text>
        </Box>
        <Sparkline values={s.qps} min={0} color="cyan" />
      </Box>
      <Box>
        <Box width={22}>
          <Text>cache hits {hit === undefined ? '…' : `${(hit * 100).toFixed(0).padStart(6)}%`}</Text>
        </Box>
        <Sparkline values={s.hitRatio} min={0} max={1} color="green" />
      </Box>
      {s.counters ? (
        <Text dimColor>
          total {s.counters.total_queries} · cache hits {s.counters.total_cache_hits} · blocked {s.counters.total_blocks}
        </Text>
      ) : null}
      {s.error ? <Text color="red">error: {s.error}</Text> : null}
    </Box>
  )
}
