/** One finished interaction in the scrollback: the prompt and line typed, then its output. */
import { Box, Text } from 'ink'
import type { OutputBlock } from '../commands/types.js'
import { OutputView } from './OutputView.js'

export interface LogItem {
  id: number
  /** Prompt label shown before the line; undefined for banner/notice entries. */
  prompt?: string
  line?: string
  blocks: OutputBlock[]
}

export function LogEntry({ item }: { item: LogItem }) {
  return (
    <Box flexDirection="column">
      {item.prompt !== undefined ? (
        <Text>
          <Text color="blue" bold>
            {item.prompt}
          </Text>
          {item.line}
        </Text>
      ) : null}
      {item.blocks.length > 0 ? <OutputView blocks={item.blocks} /> : null}
    </Box>
  )
}
