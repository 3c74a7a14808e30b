/**
 * Cluster framing (cluster-protocol spec §1): a 4-byte big-endian unsigned length N, then N
 * bytes of UTF-8 JSON. Pure: buffers in, buffers out; no sockets, no timers.
 *
 * The cluster folder owns replication between dnsplane nodes. Its core modules (codec,
 * messages, protocol, policies, discovery, peer-state, backoff, netinfo) import nothing from
 * node:net/node:fs/timers; only the transports, state-file and the node touch the outside world.
 */
import { DnsplaneError } from '../../errors.js'

/** Largest frame payload in bytes, inclusive (64 MiB, the original's MaxFrameBytes). */
export const MAX_FRAME_BYTES = 67_108_864

/**
 * Largest payload accepted before a connection has authenticated. An `auth` frame is tiny,
 * so an unauthenticated peer cannot make us buffer megabytes (original weak point 16).
 */
export const PRE_AUTH_MAX_FRAME_BYTES = 65_536

/** Size of the length prefix in bytes. */
export const FRAME_HEADER_BYTES = 4

/**
 * Frames `payload` (a JSON text or its UTF-8 bytes). Throws ERR_FRAME_TOO_LARGE when the
 * payload exceeds `maxBytes` (default MAX_FRAME_BYTES); the writer never sends such a frame.
 */
export function encodeFrame(payload: string | Uint8Array, maxBytes = MAX_FRAME_BYTES): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
  if (body.length > maxBytes) {
    throw new DnsplaneError('ERR_FRAME_TOO_LARGE', `frame of ${body.length} bytes exceeds ${maxBytes}`)
  }
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length)
  out.writeUInt32BE(body.length, 0)
  body.copy(out, FRAME_HEADER_BYTES)
  return out
}

/**
 * Asked once per frame, right after its header passed the size limit: true lets the body be read,
 * false holds the decoder at that frame until admitHeld() (the caller reserves memory meanwhile).
 */
export type FrameAdmission = (length: number) => boolean

/**
 * Incremental frame reader. push() takes chunks in arrival order and returns every frame
 * payload completed by them (possibly none, possibly several). The length header is checked
 * against the current limit before any byte of the body is kept, and body bytes are only held
 * as they arrive (never pre-allocated from the untrusted header). Once push() has thrown
 * ERR_FRAME_TOO_LARGE the decoder is poisoned: the connection must be dropped.
 */
export class FrameDecoder {
  private chunks: Buffer[] = []
  private buffered = 0
  private expected = -1
  private failed: DnsplaneError | undefined
  private held = false

  /** `admit`: optional gate per frame (see FrameAdmission); without it every frame within the limit is read. */
  constructor(
    private maxFrameBytes = MAX_FRAME_BYTES,
    private readonly admit?: FrameAdmission,
  ) {}

  /** Length of the frame waiting for admission, or undefined when not held. */
  get heldLength(): number | undefined {
    return this.held ? this.expected : undefined
  }

  /** Lets the held frame's body be read; the next push() (an empty chunk will do) continues decoding. */
  admitHeld(): void {
    this.held = false
  }

  /** Changes the limit for headers not yet read (e.g. raise it after auth_ok). */
  setMaxFrameBytes(limit: number): void {
    this.maxFrameBytes = limit
  }

  get limit(): number {
    return this.maxFrameBytes
  }

  /** Bytes received but not yet returned as a frame. */
  get pendingBytes(): number {
    return this.buffered
  }

  push(chunk: Uint8Array): Buffer[] {
    if (this.failed) throw this.failed
    if (chunk.byteLength > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
      this.buffered += chunk.byteLength
    }
    const frames: Buffer[] = []
    for (;;) {
      if (this.held) break
      if (this.expected < 0) {
        if (this.buffered < FRAME_HEADER_BYTES) break
        const header = this.take(FRAME_HEADER_BYTES)
        const length = header.readUInt32BE(0)
        if (length > this.maxFrameBytes) {
          this.failed = new DnsplaneError('ERR_FRAME_TOO_LARGE', `frame of ${length} bytes exceeds ${this.maxFrameBytes}`)
          this.chunks = []
          this.buffered = 0
          throw this.failed
        }
        this.expected = length
        if (this.admit && !this.admit(length)) {
          this.held = true
          break
        }
      }
      if (this.buffered < this.expected) break
      frames.push(this.take(this.expected))
      this.expected = -1
    }
    return frames
  }

  /** Removes exactly `n` buffered bytes (n <= buffered) as one Buffer. */
  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0)
    const first = this.chunks[0]
    if (first.length >= n) {
      const out = first.subarray(0, n)
      if (first.length === n) this.chunks.shift()
      else this.chunks[0] = first.subarray(n)
      this.buffered -= n
      return out
    }
    const out = Buffer.allocUnsafe(n)
    let off = 0
    while (off < n) {
      const c = this.chunks[0]
      const use = Math.min(c.length, n - off)
      c.copy(out, off, 0, use)
      off += use
      if (use === c.length) this.chunks.shift()
      else this.chunks[0] = c.subarray(use)
    }
    this.buffered -= n
    return out
  }
}
