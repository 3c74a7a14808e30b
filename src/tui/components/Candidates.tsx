/** Completion candidates shown under the prompt when Tab finds several. */
import { Text } from 'ink'

/** Most candidates drawn; the rest are counted. */
export const MAX_SHOWN_CANDIDATES = 40

export function Candidates({ items }: { items: readonly string[] }) {
  if (items.length < 2) return null
  const shown = items.slice(0, MAX_SHOWN_CANDIDATES).join('  ')
  const more = items.length > MAX_SHOWN_CANDIDATES ? `  (+${items.length - MAX_SHOWN_CANDIDATES} more)` : ''
  return (
    <Text dimColor>
      {shown}
      {more}
    </Text>
  )
}
