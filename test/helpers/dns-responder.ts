/** A DnsServer on 127.0.0.1 (ephemeral port) whose responder the DoT/DoH listener tests plug into. */
import type { Test } from 'tap'
import pino, { type Logger } from 'pino'
import { DnsServer } from '../../src/dns/serve/server.js'
import type { QueryEvent } from '../../src/dns/serve/query-event.js'
import type { RecordIndex } from '../../src/store/record-index.js'

/** Starts the server (stopped at teardown, after the listeners registered later) and records every QueryEvent. */
export async function startResponder(t: Test, index: RecordIndex): Promise<{ dns: DnsServer; events: QueryEvent[]; log: Logger }> {
  const events: QueryEvent[] = []
  const log = pino({ level: 'silent' })
  const dns = new DnsServer(
    { bind: '127.0.0.1', port: 0, localRecordsEnabled: true, autoBuildPtrFromA: false, refuseAny: true, maxEdnsUdpPayload: 1232, tcpIdleTimeoutMs: 2000, tcpMaxConnections: 8, upstreamTimeoutMs: 200 },
    { getIndex: () => index, log, sink: { record: (e: QueryEvent) => void events.push(e) } },
  )
  await dns.start()
  t.teardown(() => dns.stop())
  return { dns, events, log }
}
