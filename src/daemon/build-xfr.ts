/**
 * Zones as the DNS ecosystem sees them: SOA serials that follow every change of the records (local write,
 * peer delta, file edit), AXFR/IXFR out with access by network, and NOTIFY to configured secondaries.
 * Follows the record store's change events; hands the DNS responder a TransferService.
 */
import { Counter } from 'prom-client'
import type { RecordStore } from '../store/record-store.js'
import type { Metrics } from '../metrics/registry.js'
import { TYPE_AXFR } from '../store/rr-types.js'
import { ZoneChangeLog } from '../zones/change-log.js'
import { ZoneTracker, type SerialChange } from '../zones/zone-tracker.js'
import { readSerials, SerialFileWriter, serialPathFor } from '../zones/serial-file.js'
import { historyDirFor, HistoryFileWriter, recordStep, restoreHistories } from '../zones/history-file.js'
import { parseNetworks } from '../dns/xfr/networks.js'
import { parseNotifyTargets, type NotifyTarget } from '../dns/xfr/notify-message.js'
import { Notifier } from '../dns/xfr/notifier.js'
import { answerTransfer, type TransferAnswer, type TransferService } from '../dns/xfr/transfer.js'
import { TransferStreams } from '../dns/xfr/transfer-streams.js'
import { transferAccess } from '../dns/xfr/transfer-access.js'
import { signMessage } from '../dns/tsig/tsig.js'
import { buildTsigKeyring } from './build-update.js'
import type { BuildContext } from './options.js'

export interface BuiltXfr {
  service: TransferService
  tracker: ZoneTracker
}

/** Memoises a parse of a config list by the list's identity (configs are frozen; a reload makes a new one). */
function memo<T>(parse: (list: readonly string[]) => T): (list: readonly string[]) => T {
  let last: readonly string[] | undefined
  let value: T | undefined
  return (list) => {
    if (list !== last) {
      last = list
      value = parse(list)
    }
    return value as T
  }
}

/** Registers 'zones' on the stop stack (NOTIFY sender and the serial file). Call before buildDns. */
export async function buildXfr(
  { config, cfg, log: rootLog, stops }: BuildContext,
  deps: { records: RecordStore; metrics: Metrics; configPath: string; now?: () => number },
): Promise<BuiltXfr> {
  const log = rootLog.child({ component: 'zones' })
  const now = deps.now ?? Date.now
  const seconds = (): number => Math.floor(now() / 1000)
  const keyring = buildTsigKeyring({ config, cfg, log: rootLog, stops })
  const historyOpts = { maxDiffs: config.ixfr_history_max_diffs, maxBytes: config.ixfr_history_max_bytes }
  const tracker = new ZoneTracker(historyOpts)
  const path = serialPathFor(deps.configPath)
  tracker.load(deps.records.index, await readSerials(path), seconds())
  const file = new SerialFileWriter(path, (err) => log.warn({ err, path }, 'cannot write zone serials'))
  file.save(tracker.persisted())
  // the IXFR history survives restarts (src/zones/history-file.ts); none kept, none written
  const historyDir = historyDirFor(deps.configPath)
  const history = historyOpts.maxDiffs > 0 && historyOpts.maxBytes > 0
    ? new HistoryFileWriter(historyDir, historyOpts, (err, zone) => log.warn({ err, zone, dir: historyDir }, 'cannot write zone history'))
    : undefined
  if (history) await restoreHistories(tracker, history, historyDir, historyOpts, log)
  for (const apex of tracker.apexes()) log.info({ zone: apex, serial: tracker.serialOf(apex) }, 'zone loaded')

  const registers = [deps.metrics.registry]
  const transfers = new Counter<'type' | 'result'>({
    name: 'dnsplane_zone_transfers_total',
    help: 'AXFR/IXFR requests by question type and result (axfr = whole zone, ixfr = differences, current = SOA only, refused, notauth, formerr, tsig_error).',
    labelNames: ['type', 'result'], registers,
  })
  const notifies = new Counter<'result'>({
    name: 'dnsplane_zone_notify_total', help: 'NOTIFY attempts to secondaries by result (ok, error, timeout, send_failed).',
    labelNames: ['result'], registers,
  })
  // zero series for the closed label sets, so rate()/increase() work from the first scrape
  for (const ty of ['axfr', 'ixfr']) for (const r of ['axfr', 'ixfr', 'current', 'refused', 'notauth', 'formerr', 'tsig_error']) transfers.labels(ty, r).inc(0)
  for (const r of ['ok', 'error', 'timeout', 'send_failed']) notifies.labels(r).inc(0)
  const serialChanges = new Counter({ name: 'dnsplane_zone_serial_changes_total', help: 'Times a zone serial moved (a zone changed).', registers })

  const targets = memo((list) => {
    const { targets, invalid } = parseNotifyTargets(list)
    if (invalid.length > 0) log.warn({ invalid }, 'zone_also_notify entries ignored (not "[ZONE ]ADDRESS[:PORT]")')
    return targets
  })
  const networks = memo((list) => {
    const parsed = parseNetworks(list)
    if (parsed.invalid.length > 0) log.warn({ invalid: parsed.invalid }, 'axfr_allowed_networks entries ignored (not a CIDR or address)')
    return parsed.networks
  })
  const notifier = new Notifier({
    targets: (): readonly NotifyTarget[] => targets(cfg().zone_also_notify),
    soaOf: (zone) => tracker.current(zone)?.soa,
    log,
    onResult: (r) => notifies.labels(r).inc(),
    now,
    // RFC 1996 + RFC 8945: a target with `key=NAME` gets the NOTIFY signed with that tsig_keys key
    sign: (msg, target, zone) => {
      const key = keyring.lookup(target.key as string)
      if (!key || !keyring.mayUse(key, zone, 'notify')) throw new Error(`tsig key ${target.key} is not in tsig_keys or may not notify for ${zone}`)
      return signMessage(msg, key, { now: seconds() }).message
    },
  })

  // one line per zone per second at most (a burst of updates would log one per change)
  const changeLog = new ZoneChangeLog(log)
  const onChanges = (changes: readonly SerialChange[], source: string): void => {
    for (const c of changes) {
      serialChanges.inc()
      changeLog.changed(c, source)
      if (c.to !== undefined) notifier.zoneChanged(c.apex)
      if (history) recordStep(tracker, history, c.apex, c.from, c.to)
    }
    if (changes.length > 0) file.save(tracker.persisted())
  }
  // synchronous: the new serial is in place before the first query sees the new index
  const unsubscribe = deps.records.onChange((change) => {
    deps.metrics.recordChangesTotal.labels(change.source).inc()
    onChanges(tracker.follow(change, seconds()), change.source)
  })
  // secondaries learn about the zones at start as well (their serial may have moved while we were down)
  for (const apex of tracker.apexes()) notifier.zoneChanged(apex)

  stops.push('zones', async () => {
    unsubscribe()
    notifier.close()
    changeLog.flush()
    await file.flush()
    await history?.flush()
  })

  const streams = new TransferStreams()
  const service: TransferService = {
    soaSerial: (apex) => tracker.serialOf(apex),
    transfer(q, msg, stream, clientIp): TransferAnswer {
      const c = cfg()
      const started = now()
      const access = transferAccess(q, msg, { enabled: c.axfr_enabled, networks: networks(c.axfr_allowed_networks), keyring, clientIp, now: Math.floor(started / 1000) })
      let a: TransferAnswer
      let sign = (m: Buffer[], _nowSeconds?: number): Buffer[] => m
      let busy = false
      if (access.kind === 'reply') a = access.answer
      else {
        a = answerTransfer(q, msg, tracker, access.allowed, stream)
        // too many large transfers at once: this one is refused (transfer-streams.ts)
        if (!streams.admit(a)) {
          a = answerTransfer(q, msg, tracker, false, stream)
          busy = true
        }
        sign = access.sign
        a.messages = sign(a.messages)
      }
      const type = q.qtype === TYPE_AXFR ? 'AXFR' : 'IXFR'
      transfers.labels(type.toLowerCase(), a.kind).inc()
      const where = { zone: q.qkey, type, client: clientIp, key: access.key, result: a.kind, tsig_error: a.tsigError, serial: a.serial, from: a.fromSerial }
      if (a.rcode !== 0) {
        log.warn({ ...where, axfr_enabled: c.axfr_enabled, ...(busy ? { reason: `${streams.count} large transfers already running` } : {}) }, 'zone transfer refused')
        return a
      }
      let messages = a.messages.length
      let bytes = a.messages.reduce((n, m) => n + m.length, 0)
      const done = () => log.info({ ...where, messages, rrs: a.rrs, bytes, ms: now() - started }, 'zone transfer')
      const more = a.more
      if (!more) done()
      else {
        // a large AXFR goes out in slices: each signed in turn (the TSIG chain of RFC 8945 5.3.1), logged at its end
        log.info({ ...where, rrs: a.rrs }, 'zone transfer started')
        a.more = () => {
          const batch = more()
          if (batch === undefined) {
            done()
            return undefined
          }
          const signed = sign(batch, seconds())
          messages += signed.length
          for (const m of signed) bytes += m.length
          return signed
        }
      }
      return a
    },
  }
  return { service, tracker }
}
