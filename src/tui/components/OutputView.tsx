/** Draws command output blocks: text, tables, JSON and errors (in red, with a dimmed hint). */
import { Box, Text } from 'ink'
import type { OutputBlock } from '../commands/types.js'
import { formatJson, sanitize } from '../format.js'
import { Table } from './Table.js'

const TONE_COLOR = { success: 'green', warning: 'yellow' } as const

function Block({ block }: { block: OutputBlock }) {
  switch (block.kind) {
    case 'text': {
      const text = block.text.split('\n').map(sanitize).join('\n')
      if (block.tone === 'muted') return <Text dimColor>{text}</Text>
      if (block.tone === 'success' || block.tone === 'warning') return <Text color={TONE_COLOR[block.tone]}>{text}</Text>
      return <Text>{text}</Text>
    }
    case 'table':
      return <Table columns={block.columns} rows={block.rows} empty={block.empty} wrap={block.wrap} />
    case 'json':
      return <Text>{formatJson(block.value).split('\n').map(sanitize).join('\n')}</Text>
    case 'error':
      return (
        <Box flexDirection="column">
          <Text color="red">error: {sanitize(block.message)}</Text>
          {(block.details ?? []).map((d, i) => (
            <Text key={i} color="red">
              {'  '}
              {sanitize(d)}
            </Text>
          ))}
          {block.hint ? <Text dimColor>hint: {sanitize(block.hint)}</Text> : null}
        </Box>
      )
  }
}

export function OutputView({ blocks }: { blocks: OutputBlock[] }) {
  return (
    <Box flexDirection="column">
      {blocks.map((b, i) => (
        <Block key={i} block={b} />
      ))}
    </Box>
  )
}
