/**
 * Sends NOTIFY (RFC 1996) to the configured secondaries when a zone's serial moves: at most one per zone
 * and target per second (a burst of changes is one NOTIFY with the newest SOA), retried with backoff
 * until the secondary answers NOERROR or the attempts run out (RFC 1996 3.6).
 */
import dgram from 'node:dgram'
import { randomInt } from 'node:crypto'
import type { Logger } from 'pino'
import { setClampedTimeout } from '../../timers.js'
import type { WireRR } from '../wire/wire.js'
import { notifyMessage, notifyReply, type NotifyTarget } from './notify-message.js'

/** Minimum gap between two NOTIFYs of one zone to one target (coalescing). */
export const NOTIFY_MIN_GAP_MS = 1000
/** Retry gap after a failed attempt, doubled per attempt up to NOTIFY_MAX_WAIT_MS; a reply is awaited 2 s. */
export const NOTIFY_FIRST_WAIT_MS = 1000
export const NOTIFY_MAX_WAIT_MS = 30_000
/** Attempts per serial before giving up (the next serial change starts again). */
export const NOTIFY_MAX_ATTEMPTS = 8

export type NotifyResult = 'ok' | 'error' | 'timeout' | 'send_failed'

export interface NotifierDeps {
  targets: () => readonly NotifyTarget[]
  /** The zone's SOA as served now, or undefined when the zone is gone. */
  soaOf: (zone: string) => WireRR | undefined
  log: Logger
  /** One call per NOTIFY attempt that ended. */
  onResult?: (result: NotifyResult) => void
  now?: () => number
  /** Default NOTIFY_MAX_ATTEMPTS. */
  maxAttempts?: number
  /** How long a reply is awaited, ms; default NOTIFY_FIRST_WAIT_MS * 2 (tests shorten it). */
  replyWaitMs?: number
  /** Signs the NOTIFY for a target with a `key` (RFC 8945); throws when the key cannot be used. */
  sign?: (msg: Buffer, target: NotifyTarget, zone: string) => Buffer
}

interface Job {
  zone: string
  target: NotifyTarget
  lastSent: number
  attempt: number
  timer?: NodeJS.Timeout
  /** Id of the NOTIFY in flight. */
  id?: number
  /** A newer serial arrived while one was in flight. */
  again: boolean
}

export class Notifier {
  private readonly jobs = new Map<string, Job>()
  private readonly byId = new Map<number, Job>()
  private sockets: { udp4?: dgram.Socket; udp6?: dgram.Socket } = {}
  private closed = false
  private readonly now: () => number

  constructor(private readonly deps: NotifierDeps) {
    this.now = deps.now ?? Date.now
  }

  /** A zone's serial moved: NOTIFY its targets (coalesced). */
  zoneChanged(zone: string): void {
    if (this.closed) return
    for (const t of this.deps.targets()) {
      if (t.zone !== undefined && t.zone !== zone) continue
      const key = zone + ' ' + t.label
      let job = this.jobs.get(key)
      if (!job) this.jobs.set(key, (job = { zone, target: t, lastSent: -Infinity, attempt: 0, again: false }))
      job.attempt = 0
      if (job.id !== undefined) {
        job.again = true // sent after the reply (or the give-up) of the one in flight
        continue
      }
      if (job.timer) continue // already scheduled: it will carry the newest SOA
      this.schedule(job, Math.max(0, job.lastSent + NOTIFY_MIN_GAP_MS - this.now()))
    }
  }

  close(): void {
    this.closed = true
    for (const j of this.jobs.values()) clearTimeout(j.timer)
    this.jobs.clear()
    this.byId.clear()
    this.sockets.udp4?.close()
    this.sockets.udp6?.close()
    this.sockets = {}
  }

  private schedule(job: Job, delayMs: number): void {
    job.timer = setClampedTimeout(() => {
      job.timer = undefined
      this.send(job)
    }, delayMs)
    job.timer.unref?.()
  }

  private send(job: Job): void {
    if (this.closed) return
    const soa = this.deps.soaOf(job.zone)
    if (!soa) return // the zone is gone
    let id = randomInt(0x10000)
    while (this.byId.has(id)) id = (id + 1) & 0xffff
    job.id = id
    job.again = false
    job.attempt++
    job.lastSent = this.now()
    this.byId.set(id, job)
    let msg = notifyMessage(id, job.zone, soa)
    if (job.target.key !== undefined && this.deps.sign) {
      try {
        msg = this.deps.sign(msg, job.target, job.zone)
      } catch (err) {
        queueMicrotask(() => this.ended(job, id, 'send_failed', err))
        return
      }
    }
    const sock = this.socket(job.target.host.includes(':') ? 'udp6' : 'udp4')
    sock.send(msg, job.target.port, job.target.host, (err) => {
      if (err) this.ended(job, id, 'send_failed', err)
    })
    job.timer = setClampedTimeout(() => {
      job.timer = undefined
      this.ended(job, id, 'timeout')
    }, this.deps.replyWaitMs ?? NOTIFY_FIRST_WAIT_MS * 2)
    job.timer.unref?.()
  }

  /** An attempt ended: done on NOERROR (unless a newer serial waits), else retry while attempts remain. */
  private ended(job: Job, id: number, result: NotifyResult, err?: unknown): void {
    if (job.id !== id) return
    this.byId.delete(id)
    job.id = undefined
    clearTimeout(job.timer)
    job.timer = undefined
    this.deps.onResult?.(result)
    const where = { zone: job.zone, target: job.target.label, attempt: job.attempt }
    if (result === 'ok') {
      this.deps.log.info(where, 'notify acknowledged')
      if (job.again) this.schedule(job, Math.max(0, job.lastSent + NOTIFY_MIN_GAP_MS - this.now()))
      return
    }
    if (job.attempt >= (this.deps.maxAttempts ?? NOTIFY_MAX_ATTEMPTS) && !job.again) {
      this.deps.log.warn({ ...where, result, err }, 'notify not acknowledged; giving up until the next change')
      return
    }
    const backoff = job.again ? NOTIFY_MIN_GAP_MS : Math.min(NOTIFY_MAX_WAIT_MS, NOTIFY_FIRST_WAIT_MS * 2 ** (job.attempt - 1))
    if (job.again) job.attempt = 0
    this.deps.log.debug({ ...where, result, err }, 'notify not acknowledged; retrying')
    this.schedule(job, Math.max(0, job.lastSent + backoff - this.now()))
  }

  private socket(kind: 'udp4' | 'udp6'): dgram.Socket {
    const have = this.sockets[kind]
    if (have) return have
    const sock = dgram.createSocket(kind)
    sock.on('message', (msg) => {
      const reply = notifyReply(msg)
      const job = reply && this.byId.get(reply.id)
      if (reply && job) this.ended(job, reply.id, reply.rcode === 0 ? 'ok' : 'error')
    })
    sock.on('error', (err) => this.deps.log.warn({ err }, 'notify socket error'))
    sock.unref()
    this.sockets[kind] = sock
    return sock
  }
}
