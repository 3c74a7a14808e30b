/**
 * Frames over a Connection: a FrameDecoder on the inbound side, one waiter at a time for the
 * next frame with a deadline, and encode-and-write for outbound messages.
 *
 * Memory: decoded frames waiting for the consumer are bounded per connection (reading pauses above
 * MAX_QUEUED_FRAME_BYTES), and with a FrameBudget every large frame reserves its length node-wide
 * before its body is read (reading pauses while it waits) and keeps it until the consumer asks for
 * the next frame or closes the channel. A frame larger than the whole budget is refused with an
 * `error` frame and the connection is closed.
 */
import { DnsplaneError, type ErrorCode } from '../../errors.js'
import { encodeFrame, FrameDecoder } from '../wire/codec.js'
import { SMALL_FRAME_BYTES, type FrameBudget } from './frame-budget.js'
import { encodeMessage, type Message } from '../wire/messages.js'
import type { Connection } from './transport.js'

/** Replies before auth (auth_fail, error) always fit; never refuse them for the pre-auth inbound limit. */
const MIN_OUT_FRAME_BYTES = 65_536

/** Decoded frames held for the consumer before reading from the connection pauses. */
export const MAX_QUEUED_FRAME_BYTES = 1024 * 1024

interface Queued {
  frame: Buffer
  /** Budget bytes this frame holds (0 for small frames or without a budget). */
  reserved: number
}

export class FrameChannel {
  private readonly decoder: FrameDecoder
  private readonly queue: Queued[] = []
  private queuedBytes = 0
  /** Reservations of frames whose header was admitted and whose body is still arriving, in order. */
  private readonly admitted: number[] = []
  /** Reservation of the frame last handed to the consumer. */
  private current = 0
  private cancelWait: (() => void) | undefined
  private waitingForBudget = false
  private paused = false
  /** Set while a refused frame's `error` reply is flushed; destroy() then leaves the close to it. */
  private refusing = false
  private waiter: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined
  private ended: Error | undefined
  private maxFrameBytes: number

  /**
   * `maxFrameBytes` bounds frames both ways: a larger outbound message is refused (ERR_FRAME_TOO_LARGE).
   * `budget`: the node-wide budget inbound frames reserve from (accepted connections); none = unbounded.
   */
  constructor(
    readonly conn: Connection,
    maxFrameBytes: number,
    private readonly onFrameOut?: (msg: Message, bytes: number) => void,
    private readonly budget?: FrameBudget,
  ) {
    this.decoder = new FrameDecoder(maxFrameBytes, budget ? (length) => this.admit(budget, length) : undefined)
    this.maxFrameBytes = maxFrameBytes
    conn.onData((chunk) => this.onChunk(chunk))
    conn.onClose((err) => {
      this.fail(new DnsplaneError('ERR_PEER_UNREACHABLE', 'connection closed', { cause: err }))
      this.releaseIncomplete()
    })
  }

  setMaxFrameBytes(limit: number): void {
    this.maxFrameBytes = limit
    this.decoder.setMaxFrameBytes(limit)
  }

  /**
   * The next frame payload; rejects with `timeoutCode` after `timeoutMs`, or when the stream ends or breaks.
   * Calling it tells the channel the previous frame is done with: its budget reservation is returned.
   */
  next(timeoutMs: number, timeoutCode: ErrorCode = 'ERR_PEER_UNREACHABLE'): Promise<Buffer> {
    this.releaseCurrent()
    const queued = this.queue.shift()
    if (queued) return Promise.resolve(this.take(queued))
    if (this.ended) return Promise.reject(this.ended)
    if (this.waiter) return Promise.reject(new Error('FrameChannel.next called while another read is pending'))
    this.updateFlow()
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined
        reject(new DnsplaneError(timeoutCode, `no frame within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiter = {
        resolve: (b) => {
          clearTimeout(timer)
          resolve(b)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      }
    })
  }

  /** Encodes and writes one message; resolves when handed to the transport. */
  async send(msg: Message): Promise<void> {
    const frame = encodeFrame(encodeMessage(msg), Math.max(this.maxFrameBytes, MIN_OUT_FRAME_BYTES))
    await this.conn.write(frame)
    this.onFrameOut?.(msg, frame.length)
  }

  close(): void {
    this.dispose()
    this.conn.close()
  }

  destroy(): void {
    this.dispose()
    if (!this.refusing) this.conn.destroy()
  }

  private onChunk(chunk: Buffer): void {
    if (this.ended) return
    let frames: Buffer[]
    try {
      frames = this.decoder.push(chunk)
    } catch (err) {
      this.fail(err as Error)
      this.conn.destroy()
      return
    }
    for (const frame of frames) {
      this.queue.push({ frame, reserved: this.budget ? (this.admitted.shift() ?? 0) : 0 })
      this.queuedBytes += frame.length
    }
    this.deliver()
    this.updateFlow()
  }

  /** FrameAdmission: small frames pass; a large one reserves its length, or waits for it, or is refused. */
  private admit(budget: FrameBudget, length: number): boolean {
    if (length <= SMALL_FRAME_BYTES) {
      this.admitted.push(0)
      return true
    }
    if (!budget.fits(length)) {
      this.refuse(budget, length)
      return false
    }
    if (budget.tryReserve(length)) {
      this.admitted.push(length)
      return true
    }
    // Backpressure: stop reading this connection until the reservation is granted (FIFO across the node).
    this.waitingForBudget = true
    this.cancelWait = budget.wait(length, () => {
      this.cancelWait = undefined
      this.waitingForBudget = false
      this.admitted.push(length)
      this.decoder.admitHeld()
      // Granted from another channel's release: continue outside its call stack.
      queueMicrotask(() => this.onChunk(Buffer.alloc(0)))
    })
    this.updateFlow()
    return false
  }

  /** The frame can never fit the budget: reply `error`, discard what follows, close once it is flushed. */
  private refuse(budget: FrameBudget, length: number): void {
    budget.noteRefusal()
    const err = new DnsplaneError('ERR_FRAME_TOO_LARGE', `frame of ${length} bytes exceeds the node's inbound frame budget of ${budget.capacityBytes} bytes`)
    this.refusing = true
    this.fail(err)
    this.conn.resume?.()
    this.send({ type: 'error', message: err.message })
      .catch(() => undefined) // the peer is gone: nothing to tell
      .finally(() => this.conn.close())
  }

  private take(q: Queued): Buffer {
    this.queuedBytes -= q.frame.length
    this.current = q.reserved
    q.reserved = 0
    this.updateFlow()
    return q.frame
  }

  /** Pauses reading while a reservation waits or too many decoded frames wait for the consumer. */
  private updateFlow(): void {
    if (this.ended && !this.refusing) return
    const pause = !this.ended && (this.waitingForBudget || this.queuedBytes > MAX_QUEUED_FRAME_BYTES)
    if (pause && !this.paused) {
      this.paused = true
      this.conn.pause?.()
    } else if (!pause && this.paused) {
      this.paused = false
      this.conn.resume?.()
    }
  }

  private releaseCurrent(): void {
    if (this.current > 0) this.budget?.release(this.current)
    this.current = 0
  }

  /** Reservations of frames that will never complete (the stream ended) and any queued wait. */
  private releaseIncomplete(): void {
    this.cancelWait?.()
    this.cancelWait = undefined
    this.waitingForBudget = false
    const pending = this.admitted.splice(0).reduce((a, b) => a + b, 0)
    if (pending > 0) this.budget?.release(pending)
  }

  /** Returns every reservation this channel holds; queued frames stay readable but hold none. */
  private dispose(): void {
    this.releaseCurrent()
    this.releaseIncomplete()
    for (const q of this.queue) {
      if (q.reserved > 0) this.budget?.release(q.reserved)
      q.reserved = 0
    }
  }

  private deliver(): void {
    if (!this.waiter || this.queue.length === 0) return
    const w = this.waiter
    this.waiter = undefined
    w.resolve(this.take(this.queue.shift() as Queued))
  }

  private fail(err: Error): void {
    if (this.ended) return
    this.ended = err
    const w = this.waiter
    this.waiter = undefined
    // Frames already decoded stay readable; the error surfaces once they are consumed.
    if (w && this.queue.length === 0) w.reject(err)
    else if (w) w.resolve(this.take(this.queue.shift() as Queued))
  }
}
