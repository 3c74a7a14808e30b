/**
 * Answers RFC 2136 UPDATE messages arriving on the DNS listeners: TSIG check (RFC 8945), policy
 * (tsig_keys grants, update_allowed_networks for unsigned updates, cluster_reject_local_writes),
 * then the rules applied in ONE store write (source 'local': acknowledged and replicated like an API
 * write). On a journaled store that write is one journal entry holding the message's delta (bulkWrite),
 * planned from the names the message touches, so an UPDATE costs its size, not the zone's; a store
 * without bulk writes gets the whole new list (replaceWith). The reply is signed when the request was.
 */
import { BlockList, isIP } from 'node:net'
import type { Logger } from 'pino'
import { DnsplaneError } from '../../errors.js'
import type { ValidRecordInput } from '../../store/record-validate.js'
import type { DnsRecord } from '../../store/record.js'
import { batchChange, positionedBatch } from '../../store/batch-positions.js'
import type { RecordIndex } from '../../store/record-index.js'
import type { RecordStore, WritePlan } from '../../store/record-store.js'
import type { Keyring } from '../tsig/keyring.js'
import { CLASS_IN } from '../wire/wire.js'
import { signResponse, tsigErrorResponse, verifyRequest, type TsigVerification } from '../tsig/tsig.js'
import { parseUpdate, OPCODE_UPDATE, type UpdateMessage } from './update-message.js'
import { applyUpdate, holdsZone, listView, planUpdate, UPDATE_RCODES, type UpdateOutcome, type UpdateRcode, type UpdateView } from './update-rules.js'

/** What one UPDATE did, for metrics and the resolution log. */
export interface UpdateReport {
  zone: string
  rcode: UpdateRcode | 'BADKEY' | 'BADSIG' | 'BADTIME' | 'BADTRUNC'
  /** TSIG key name when signed and verified. */
  key?: string
  added: number
  removed: number
  clientIp?: string
}

export interface UpdateHandlerDeps {
  store: Pick<RecordStore, 'replaceWith' | 'list'> & Partial<Pick<RecordStore, 'bulkWrite' | 'index'>>
  keyring: Keyring
  /** update_allowed_networks (CIDR or single addresses). */
  allowedNetworks: readonly string[]
  localWritesAllowed: () => { ok: true } | { ok: false; reason: string }
  newRecord: (v: ValidRecordInput) => DnsRecord
  stamp: () => string
  /** Epoch milliseconds. */
  now: () => number
  log: Logger
  onReport?: (r: UpdateReport) => void
}

/** update_allowed_networks as a BlockList; throws ERR_CONFIG_INVALID naming the bad entry. */
export function networkList(networks: readonly string[]): BlockList {
  const list = new BlockList()
  networks.forEach((n, i) => {
    const [addr, bits, extra] = n.trim().split('/')
    const family = isIP(addr)
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits)
    if (family === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
      throw new DnsplaneError('ERR_CONFIG_INVALID', `update_allowed_networks[${i}]: must be an IP address or CIDR network, got ${JSON.stringify(n)}`)
    }
    list.addSubnet(addr, prefix, family === 6 ? 'ipv6' : 'ipv4')
  })
  return list
}

function isAllowedAddress(list: BlockList, ip: string | undefined): boolean {
  if (ip === undefined) return false
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  const addr = v4mapped ? v4mapped[1] : ip
  const family = isIP(addr)
  return family !== 0 && list.check(addr, family === 6 ? 'ipv6' : 'ipv4')
}

export class UpdateHandler {
  private readonly networks: BlockList

  constructor(private readonly deps: UpdateHandlerDeps) {
    this.networks = networkList(deps.allowedNetworks)
  }

  /** The reply to one UPDATE (never throws). */
  async handle(msg: Buffer, clientIp?: string): Promise<{ reply: Buffer; report: UpdateReport }> {
    const nowSec = Math.floor(this.deps.now() / 1000)
    const v = verifyRequest(msg, this.deps.keyring.lookup, nowSec)
    const parsed = parseUpdate(msg)
    const m = parsed === 'formerr' ? undefined : parsed
    const report: UpdateReport = { zone: m?.zone ?? '', rcode: 'FORMERR', added: 0, removed: 0, clientIp }
    if (v.kind === 'error') {
      report.rcode = v.error
      this.finish(report, `TSIG ${v.error}`, v.tsig.keyName)
      return { reply: tsigErrorResponse(this.reply(msg, m, 'NOTAUTH'), v, nowSec), report }
    }
    if (v.kind === 'ok') report.key = v.key.name
    const outcome = v.kind === 'formerr' || m === undefined ? { rcode: 'FORMERR' as const, added: 0, removed: 0, reason: 'malformed message' } : await this.apply(m, v, clientIp)
    report.rcode = outcome.rcode
    report.added = outcome.added
    report.removed = outcome.removed
    this.finish(report, outcome.reason)
    const out = this.reply(msg, m, outcome.rcode)
    return { reply: v.kind === 'ok' ? signResponse(out, v, nowSec) : out, report }
  }

  private async apply(m: UpdateMessage, v: TsigVerification, clientIp: string | undefined): Promise<UpdateOutcome> {
    const refused = (reason: string): UpdateOutcome => ({ rcode: 'REFUSED', added: 0, removed: 0, reason })
    // RFC 2136 3.1.2: a zone we do not hold is NOTAUTH whoever asks (checked again inside the write)
    if (m.zoneClass !== CLASS_IN || !holdsZone(this.view(this.deps.store.list()), m.zone)) return { rcode: 'NOTAUTH', added: 0, removed: 0, reason: `not authoritative for zone ${m.zone}` }
    if (v.kind === 'ok' && !this.deps.keyring.mayUse(v.key, m.zone, 'update')) return refused(`key ${v.key.name} may not update zone ${m.zone}`)
    if (v.kind !== 'ok' && !isAllowedAddress(this.networks, clientIp)) return refused('unsigned update from an address outside update_allowed_networks')
    const allowed = this.deps.localWritesAllowed()
    if (!allowed.ok) return refused(allowed.reason)
    let outcome: UpdateOutcome = { rcode: 'SERVFAIL', added: 0, removed: 0 }
    const ctx = { newRecord: this.deps.newRecord, stamp: this.deps.stamp() }
    const store = this.deps.store
    try {
      if (store.bulkWrite) {
        await store.bulkWrite((records): WritePlan => {
          const { delta, ...plan } = planUpdate(this.view(records), m, ctx)
          outcome = plan
          if (!delta) return { result: { records: [], messages: [] } }
          // one journal batch (deletes, replacements, adds) for the whole message: durable all or nothing
          const gone = new Set(delta.removed)
          const replaced = new Map(delta.replaced)
          const b = positionedBatch(records, (r) => (gone.has(r) ? 'delete' : replaced.get(r)), delta.added)
          const change = batchChange('local', b.deleted, b.updated, delta.added, () => b.next)
          return { next: b.next, change, entry: { op: 'batch', entries: b.entries }, result: { records: [...b.updated, ...delta.added], messages: [] } }
        })
      } else {
        await store.replaceWith((current) => {
          outcome = applyUpdate(current, m, ctx)
          return outcome.next
        }, 'local')
      }
    } catch (err) {
      this.deps.log.error({ err, zone: m.zone }, 'dynamic update: store write failed')
      return { rcode: 'SERVFAIL', added: 0, removed: 0, reason: 'store write failed' }
    }
    return outcome
  }

  /** The records an update reads: the store's index when it serves `records` (by name and type; by name alone only where a rule needs every type), else a pass over them. */
  private view(records: readonly DnsRecord[]): UpdateView {
    const index: RecordIndex | undefined = this.deps.store.index
    return index?.records === records ? { atName: (key) => index.byName(key), ofType: (key, type) => index.lookupKey(key, type) } : listView(records)
  }

  private finish(r: UpdateReport, reason: string | undefined, key = r.key): void {
    const fields = { zone: r.zone, rcode: r.rcode, key, client_ip: r.clientIp, added: r.added, removed: r.removed, reason }
    if (r.rcode === 'NOERROR') this.deps.log.info(fields, 'dynamic update applied')
    else this.deps.log.warn(fields, 'dynamic update not applied')
    this.deps.onReport?.(r)
  }

  /** Header (same id, QR, opcode UPDATE, rcode) and the zone section echoed when it parsed (RFC 2136 3.8). */
  private reply(msg: Buffer, m: UpdateMessage | undefined, rcode: UpdateRcode): Buffer {
    const zone = m?.zoneSection ?? Buffer.alloc(0)
    const out = Buffer.alloc(12 + zone.length)
    out.writeUInt16BE(msg.readUInt16BE(0), 0)
    out.writeUInt16BE(0x8000 | (OPCODE_UPDATE << 11) | (UPDATE_RCODES[rcode] & 0x0f), 2)
    out.writeUInt16BE(m ? 1 : 0, 4)
    zone.copy(out, 12)
    return out
  }
}
