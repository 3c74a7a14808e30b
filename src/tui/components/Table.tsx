/** A left-aligned table: bold header, then rows; cells cut at MAX_CELL_CHARS, or the last one wrapped to the terminal. */
import { Box, Text, useStdout } from 'ink'
import { tableLines } from '../format.js'

export interface TableProps {
  columns: string[]
  rows: string[][]
  empty?: string
  /** Wrap the last column to the terminal width instead of cutting it (help tables). */
  wrap?: boolean
}

export function Table({ columns, rows, empty, wrap }: TableProps) {
  const { stdout } = useStdout()
  if (rows.length === 0) return <Text dimColor>{empty ?? '(none)'}</Text>
  const { header, body } = tableLines(columns, rows, { wrap, width: stdout.columns })
  return (
    <Box flexDirection="column">
      <Text bold color="cyan">
        {header}
      </Text>
      {body.map((l, i) => (
        <Text key={i} wrap="truncate-end">{l}</Text>
      ))}
    </Box>
  )
}
