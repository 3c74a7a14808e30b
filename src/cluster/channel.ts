/**
 * Frames over a Connection: a FrameDecoder on the inbound side, one waiter at a time for the
 * next frame with a deadline, and encode-and-write for outbound messages.
 */
import { DnsplaneError, type ErrorCode } from '../errors.js'
import { encodeFrame, FrameDecoder } from './codec.js'
import { encodeMessage, type Message } from './messages.js'
import type { Connection } from './transport.js'

/** Replies before auth (auth_fail, error) always fit; never refuse them for the pre-auth inbound limit. */
const MIN_OUT_FRAME_BYTES = 65_536

export class FrameChannel {
  private readonly decoder: FrameDecoder
  private readonly queue: Buffer[] = []
  private waiter: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined
  private ended: Error | undefined
  private maxFrameBytes: number

  /** `maxFrameBytes` bounds frames both ways: a larger outbound message is refused (ERR_FRAME_TOO_LARGE). */
  constructor(
    readonly conn: Connection,
    maxFrameBytes: number,
    private readonly onFrameOut?: (msg: Message, bytes: number) => void,
  ) {
    this.decoder = new FrameDecoder(maxFrameBytes)
    this.maxFrameBytes = maxFrameBytes
    conn.onData((chunk) => {
      if (this.ended) return
      let frames: Buffer[]
      try {
        frames = this.decoder.push(chunk)
      } catch (err) {
        this.fail(err as Error)
        conn.destroy()
        return
      }
      for (const f of frames) this.queue.push(f)
      this.deliver()
    })
    conn.onClose((err) => this.fail(new DnsplaneError('ERR_PEER_UNREACHABLE', 'connection closed', { cause: err })))
  }

  setMaxFrameBytes(limit: number): void {
    this.maxFrameBytes = limit
    this.decoder.setMaxFrameBytes(limit)
  }

  /** The next frame payload; rejects with `timeoutCode` after `timeoutMs`, or when the stream ends or breaks. */
  next(timeoutMs: number, timeoutCode: ErrorCode = 'ERR_PEER_UNREACHABLE'): Promise<Buffer> {
    const queued = this.queue.shift()
    if (queued) return Promise.resolve(queued)
    if (this.ended) return Promise.reject(this.ended)
    if (this.waiter) return Promise.reject(new Error('FrameChannel.next called while another read is pending'))
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
    this.conn.close()
  }

  destroy(): void {
    this.conn.destroy()
  }

  private deliver(): void {
    if (!this.waiter || this.queue.length === 0) return
    const w = this.waiter
    this.waiter = undefined
    w.resolve(this.queue.shift() as Buffer)
  }

  private fail(err: Error): void {
    if (this.ended) return
    this.ended = err
    const w = this.waiter
    this.waiter = undefined
    // Frames already decoded stay readable; the error surfaces once they are consumed.
    if (w && this.queue.length === 0) w.reject(err)
    else if (w) w.resolve(this.queue.shift() as Buffer)
  }
}
