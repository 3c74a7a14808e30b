/** A one-line unicode-block sparkline. */
import { Text } from 'ink'
import { sparkline } from '../format.js'

export function Sparkline({ values, min, max, color }: { values: readonly number[]; min?: number; max?: number; color?: string }) {
  return <Text color={color}>{values.length === 0 ? '…' : sparkline(values, min, max)}</Text>
}
