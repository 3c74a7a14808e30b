/**
 * DNS over TCP framing (RFC 1035 4.2.2, RFC 7766): a 2-byte big-endian length then the message.
 * Pure: no I/O. The decoder holds at most one partial frame (<= 65537 bytes).
 */
import { DNS_HEADER_BYTES, MAX_DNS_MESSAGE_BYTES } from './wire.js'

/** Prefixes a message with its 2-byte length; throws RangeError over 65535 bytes (a bug upstream). */
export function encodeTcpFrame(msg: Buffer): Buffer {
  if (msg.length > MAX_DNS_MESSAGE_BYTES) throw new RangeError(`DNS message of ${msg.length} bytes exceeds ${MAX_DNS_MESSAGE_BYTES}`)
  const out = Buffer.allocUnsafe(2 + msg.length)
  out.writeUInt16BE(msg.length, 0)
  msg.copy(out, 2)
  return out
}

/** Splits a byte stream into DNS messages. */
export class TcpFrameDecoder {
  private pending: Buffer = Buffer.alloc(0)

  /**
   * Feeds bytes; returns the complete messages, or 'invalid' when a frame is shorter than a DNS
   * header (the connection should be closed: the stream cannot be resynchronised).
   */
  push(chunk: Buffer): Buffer[] | 'invalid' {
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    const out: Buffer[] = []
    let off = 0
    while (buf.length - off >= 2) {
      const len = buf.readUInt16BE(off)
      if (len < DNS_HEADER_BYTES) return 'invalid'
      if (buf.length - off - 2 < len) break
      out.push(buf.subarray(off + 2, off + 2 + len))
      off += 2 + len
    }
    buf = buf.subarray(off)
    // copy the remainder so a large chunk is not kept alive by a small tail
    this.pending = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf)
    return out
  }

  /** Bytes of an incomplete frame held. */
  get buffered(): number {
    return this.pending.length
  }
}
