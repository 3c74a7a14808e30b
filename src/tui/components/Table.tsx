/** A left-aligned table: bold header, then rows; cells cut at MAX_CELL_CHARS. */
import { Box, Text } from 'ink'
import { columnWidths, truncateCell } from '../format.js'

export interface TableProps {
  columns: string[]
  rows: string[][]
  empty?: string
}

export function Table({ columns, rows, empty }: TableProps) {
  if (rows.length === 0) return <Text dimColor>{empty ?? '(none)'}</Text>
  const widths = columnWidths(columns, rows)
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  return (
    <Box flexDirection="column">
      <Text bold color="cyan">
        {line(columns)}
      </Text>
      {rows.map((r, i) => (
        <Text key={i}>{line(columns.map((_, j) => truncateCell(r[j] ?? '')))}</Text>
      ))}
    </Box>
  )
}
