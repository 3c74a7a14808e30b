/** The input line: `dnsplane> [context> ]` and the text with an inverse cursor. */
import { Text } from 'ink'
import type { LineState } from '../hooks/use-line-editor.js'

/** The prompt label for a context (`dnsplane> ` or `dnsplane> record> `). */
export function promptLabel(context: string | null): string {
  return context ? `dnsplane> ${context}> ` : 'dnsplane> '
}

export function Prompt({ context, line, busy }: { context: string | null; line: LineState; busy: boolean }) {
  const { value, cursor } = line
  const at = value[cursor] ?? ' '
  return (
    <Text>
      <Text color="blue" bold>
        {promptLabel(context)}
      </Text>
      {value.slice(0, cursor)}
      {busy ? <Text>{at}</Text> : <Text inverse>{at}</Text>}
      {value.slice(cursor + 1)}
    </Text>
  )
}
