/** Live view of `stats`: queries/s and cache-hit ratio sparklines, refreshed each poll until a key is pressed. */
import { Box, Text } from 'ink'
import type { DaemonClient } from '../daemon-client.js'
import { useLiveStats } from '../hooks/use-live-stats.js'
import { RateSparklines } from './RateSparklines.js'

export interface LiveStatsProps {
  client: DaemonClient
  intervalMs: number
  now: () => number
}

export function LiveStats({ client, intervalMs, now }: LiveStatsProps) {
  const s = useLiveStats(client, intervalMs, now)
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="gray" paddingX={1}>
      <Text bold>live stats (every {Math.round(intervalMs / 100) / 10}s) — press any key to stop</Text>
      <RateSparklines qps={s.qps} hitRatio={s.hitRatio} />
      {s.counters ? (
        <Text dimColor>
          total {s.counters.total_queries} · cache hits {s.counters.total_cache_hits} · blocked {s.counters.total_blocks}
        </Text>
      ) : null}
      {s.error ? <Text color="red">error: {s.error}</Text> : null}
    </Box>
  )
}
