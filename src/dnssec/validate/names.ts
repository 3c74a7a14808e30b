/**
 * Domain names as the validator compares them (RFC 4034 6.1): lower-cased wire labels, compared right to
 * left byte-wise. Names are kept as presentation text ('' for the root, no trailing dot). Pure.
 */
import { encodeName } from '../../dns/wire/rdata.js'

/** '' for the root; lower case, no trailing dot (escapes kept as written). */
export function normName(name: string): string {
  const n = name.endsWith('.') && !name.endsWith('\\.') ? name.slice(0, -1) : name
  return n === '.' ? '' : n.toLowerCase()
}

/** Lower-cased labels, leftmost first; undefined when the name does not encode. */
export function labelsOf(name: string): Buffer[] | undefined {
  const wire = encodeName(normName(name))
  if (!wire) return undefined
  const out: Buffer[] = []
  for (let o = 0; wire[o] !== 0; o += wire[o] + 1) out.push(Buffer.from(wire.subarray(o + 1, o + 1 + wire[o]).toString('latin1').toLowerCase(), 'latin1'))
  return out
}

/** Lower-cased uncompressed wire form (the NSEC3 hash input, the canonical owner). */
export function canonicalWire(name: string): Buffer {
  const labels = labelsOf(name) ?? []
  return Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0])])
}

/** Number of labels, not counting the root; a leading `*` counts (RRSIG Labels does not count it). */
export function labelCount(name: string): number {
  return labelsOf(name)?.length ?? 0
}

/** RFC 4034 6.1 canonical order. */
export function compareNames(a: string, b: string): number {
  const la = labelsOf(a) ?? []
  const lb = labelsOf(b) ?? []
  for (let i = 1; i <= Math.min(la.length, lb.length); i++) {
    const c = Buffer.compare(la[la.length - i], lb[lb.length - i])
    if (c !== 0) return c
  }
  return la.length - lb.length
}

/** True when `name` equals `zone` or lies beneath it. */
export function isSubdomain(name: string, zone: string): boolean {
  const n = normName(name)
  const z = normName(zone)
  return z === '' || n === z || n.endsWith(`.${z}`)
}

/** The name with its leftmost `count` labels removed ('' past the root). */
export function stripLabels(name: string, count: number): string {
  let n = normName(name)
  for (let i = 0; i < count && n !== ''; i++) {
    const dot = firstDot(n)
    n = dot < 0 ? '' : n.slice(dot + 1)
  }
  return n
}

/** The parent name ('' for a top-level name and for the root). */
export function parentName(name: string): string {
  return stripLabels(name, 1)
}

/** The last `count` labels of `name` (its ancestor with that many labels). */
export function ancestorWithLabels(name: string, count: number): string {
  return stripLabels(name, Math.max(0, labelCount(name) - count))
}

/** `label.parent`, or the label alone under the root. */
export function childName(label: string, parent: string): string {
  return parent === '' ? label : `${label}.${parent}`
}

/** The longest common ancestor of two names. */
export function commonAncestor(a: string, b: string): string {
  const la = labelsOf(a) ?? []
  const lb = labelsOf(b) ?? []
  let n = 0
  while (n < Math.min(la.length, lb.length) && la[la.length - 1 - n].equals(lb[lb.length - 1 - n])) n++
  return ancestorWithLabels(a, n)
}

/** Index of the first unescaped dot, or -1. */
function firstDot(name: string): number {
  for (let i = 0; i < name.length; i++) {
    if (name[i] === '\\') i += /^\d{3}/.test(name.slice(i + 1, i + 4)) ? 3 : 1
    else if (name[i] === '.') return i
  }
  return -1
}
