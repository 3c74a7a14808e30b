/** Polls until `check` passes on the current frame, at most ~2 s (a bounded wait, no timing assertion). */
export async function until(frame: () => string | undefined, check: (f: string) => boolean): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const f = frame() ?? ''
    if (check(f)) return f
    await new Promise((r) => setTimeout(r, 10))
  }
  return frame() ?? ''
}
