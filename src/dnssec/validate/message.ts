/**
 * A reply message as the validator needs it: answer and authority records with RDATA as sent, except that
 * names the RFC 1035 types may compress (RFC 3597 4) are expanded, so RDATA can be put in canonical form.
 * Pure.
 */
import { normName } from './names.js'
import { rr, type Rr } from './records.js'
import type { Reply } from './chain.js'

/** Where names sit in RDATA of the types that may carry compressed names: 'n' a name, a number fixed bytes. */
const LAYOUT: Readonly<Record<number, readonly ('n' | number)[]>> = {
  2: ['n'], 3: ['n'], 4: ['n'], 5: ['n'], 7: ['n'], 8: ['n'], 9: ['n'], 12: ['n'], 6: ['n', 'n', 20], 14: ['n', 'n'], 15: [2, 'n'],
  17: ['n', 'n'], 18: [2, 'n'], 21: [2, 'n'], 26: [2, 'n', 'n'], 33: [6, 'n'], 36: [2, 'n'],
}

/** A possibly compressed name at `off`: [uncompressed wire, text, offset after it in place]. */
function readWireName(msg: Buffer, off: number): [Buffer, string, number] | undefined {
  const parts: Buffer[] = []
  const labels: string[] = []
  let end = -1
  for (let hops = 0; hops < 128; hops++) {
    const len = msg[off]
    if (len === undefined) return undefined
    if ((len & 0xc0) === 0xc0) {
      if (off + 1 >= msg.length) return undefined
      if (end < 0) end = off + 2
      off = ((len & 0x3f) << 8) | msg[off + 1]
      continue
    }
    if (len > 63 || off + 1 + len > msg.length) return undefined
    parts.push(msg.subarray(off, off + 1 + len))
    if (len === 0) return [Buffer.concat(parts), labels.join('.'), end < 0 ? off + 1 : end]
    labels.push(escape(msg.subarray(off + 1, off + 1 + len)))
    off += 1 + len
  }
  return undefined
}

function escape(l: Buffer): string {
  let s = ''
  for (const b of l) s += b === 0x2e || b === 0x5c ? `\\${String.fromCharCode(b)}` : b <= 0x20 || b >= 0x7f ? `\\${String(b).padStart(3, '0')}` : String.fromCharCode(b)
  return s
}

function expandRdata(msg: Buffer, type: number, start: number, end: number): Buffer | undefined {
  const layout = LAYOUT[type]
  if (!layout) return msg.subarray(start, end)
  const out: Buffer[] = []
  let off = start
  for (const step of layout) {
    if (step === 'n') {
      const n = readWireName(msg, off)
      if (!n || n[2] > end) return undefined
      out.push(n[0])
      off = n[2]
    } else {
      if (off + step > end) return undefined
      out.push(msg.subarray(off, off + step))
      off += step
    }
  }
  return off === end ? Buffer.concat(out) : undefined
}

/** The reply's rcode, answer and authority records (class IN), or undefined when it does not parse. */
export function parseReply(msg: Buffer): Reply | undefined {
  if (msg.length < 12) return undefined
  const rcodeNum = msg[3] & 0x0f
  const counts = [msg.readUInt16BE(4), msg.readUInt16BE(6), msg.readUInt16BE(8)]
  let off = 12
  for (let i = 0; i < counts[0]; i++) {
    const q = readWireName(msg, off)
    if (!q) return undefined
    off = q[2] + 4
  }
  const sections: Rr[][] = [[], []]
  for (let s = 0; s < 2; s++) {
    for (let i = 0; i < counts[s + 1]; i++) {
      const owner = readWireName(msg, off)
      if (!owner || owner[2] + 10 > msg.length) return undefined
      off = owner[2]
      const type = msg.readUInt16BE(off)
      const klass = msg.readUInt16BE(off + 2)
      const ttl = msg.readUInt32BE(off + 4)
      const len = msg.readUInt16BE(off + 8)
      off += 10
      if (off + len > msg.length) return undefined
      const rdata = expandRdata(msg, type, off, off + len)
      if (!rdata) return undefined
      if (klass === 1) sections[s].push(rr(normName(owner[1]), type, ttl, Buffer.from(rdata)))
      off += len
    }
  }
  return { rcode: rcodeNum === 3 ? 'NXDOMAIN' : 'NOERROR', answers: sections[0], authorities: sections[1] }
}
