/** Queries per second and cache-hit ratio, each as its latest value and a sparkline (stats live view, top). */
import { Box, Text } from 'ink'
import { Sparkline } from './Sparkline.js'

export function RateSparklines({ qps, hitRatio }: { qps: number[]; hitRatio: number[] }) {
  const q = qps.at(-1)
  const hit = hitRatio.at(-1)
  return (
    <Box flexDirection="column">
      <Box>
        <Box width={22}>
          <Text>queries/s {q === undefined ? '…' : q.toFixed(1).padStart(8)}</Text>
        </Box>
        <Sparkline values={qps} min={0} color="cyan" />
      </Box>
      <Box>
        <Box width={22}>
          <Text>cache hits {hit === undefined ? '…' : `${(hit * 100).toFixed(0).padStart(6)}%`}</Text>
        </Box>
        <Sparkline values={hitRatio} min={0} max={1} color="green" />
      </Box>
    </Box>
  )
}
