/** The outcome of an authenticated-denial check (NSEC: RFC 4035 5.4; NSEC3: RFC 5155 8). Pure. */
export type Denial =
  /** Proven. `insecure`: proven only up to an opt-out span (or NSEC3 too costly), so the answer gets no AD. */
  | { ok: true; insecure?: boolean }
  | { ok: false; reason: string }

export const PROVEN: Denial = Object.freeze({ ok: true })

export function unproven(reason: string): Denial {
  return { ok: false, reason }
}
