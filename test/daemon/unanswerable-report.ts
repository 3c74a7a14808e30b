import t from 'tap'
import type { Logger } from 'pino'
import { MAX_UNANSWERABLE_LINES, reportUnanswerable } from '../../src/daemon/unanswerable-report.js'
import type { RecordChange } from '../../src/store/record-store.js'
import type { DnsRecord } from '../../src/store/record.js'

const r = (name: string, type: string, value: string): DnsRecord => ({ name, type, value, ttl: 300 }) as DnsRecord

t.test('warns at load with index and reason, bounded, and again after a file edit', async (t) => {
  const lines: Array<[Record<string, unknown>, string]> = []
  const log = { warn: (o: Record<string, unknown>, m: string) => lines.push([o, m]) } as unknown as Logger
  let records: DnsRecord[] = [r('a.example', 'CNAME', 'b.example'), r('a.example', 'A', '192.0.2.1')]
  let listener: ((c: RecordChange) => void) | undefined
  const store = { list: () => records, onChange: (l: (c: RecordChange) => void) => ((listener = l), () => {}) }
  reportUnanswerable(log, store)
  t.equal(lines.length, 2)
  t.match(lines[0], [{ index: 1, name: 'a.example', type: 'A' }, /^records\[1\] \(a\.example A\) is never answered: shadowed by the CNAME/])
  t.match(lines[1], [{ count: 1 }, /1 record\(s\) load but are never answered/])
  lines.length = 0
  records = Array.from({ length: 30 }, (_, i) => r(`l${i}.example`, 'LOC', '1 2 3'))
  listener?.({ source: 'local' } as RecordChange)
  t.equal(lines.length, 0, 'an API write is not a load')
  listener?.({ source: 'file' } as RecordChange)
  t.equal(lines.length, MAX_UNANSWERABLE_LINES + 1, 'bounded, then the total')
  t.match(lines.at(-1), [{ count: 30 }])
})
