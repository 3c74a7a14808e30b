// Process and temp-dir lifecycle for the bench scripts: every child and temp dir is registered, and
// cleanup() (also run on SIGINT/SIGTERM, uncaught errors, the watchdog and process exit) kills the
// children and removes the dirs. Benchmarks only; not part of the product.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const children = new Set()
const dirs = new Set()
let cleaning

/** Registers a child process to be killed at cleanup; it is forgotten when it exits. */
export function track(child) {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

/** A new temp dir under os.tmpdir(), removed at cleanup. */
export function tempDir(prefix) {
  const d = mkdtempSync(join(tmpdir(), prefix))
  dirs.add(d)
  return d
}

/** Removes one temp dir now (and forgets it). */
export function removeDir(d) {
  dirs.delete(d)
  rmSync(d, { recursive: true, force: true })
}

/** SIGTERM every live child, SIGKILL after `graceMs`, then remove every temp dir. Never throws. */
export function cleanup(graceMs = 3000) {
  cleaning ??= (async () => {
    await Promise.allSettled([...children].map((c) => stopChild(c, graceMs)))
    for (const d of [...dirs]) removeDir(d)
  })()
  return cleaning
}

/** SIGTERM `child`, SIGKILL when it has not exited after `graceMs`; resolves once it is gone. */
export async function stopChild(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await Promise.race([gone, new Promise((r) => setTimeout(r, graceMs + 2000))])
  clearTimeout(t)
}

/**
 * Installs exit handling: SIGINT/SIGTERM and uncaught errors clean up and exit (130 / 1); a
 * watchdog fails the whole run after `timeoutMs`; on process exit survivors get SIGKILL and the
 * temp dirs are removed synchronously.
 */
export function installExitHandlers(timeoutMs) {
  const fail = (code, why) => {
    if (why) process.stderr.write(`[bench] ${why}\n`)
    cleanup(1000).finally(() => process.exit(code))
  }
  process.on('SIGINT', () => fail(130, 'interrupted'))
  process.on('SIGTERM', () => fail(143, 'terminated'))
  process.on('uncaughtException', (err) => fail(1, `error: ${err?.stack ?? err}`))
  process.on('unhandledRejection', (err) => fail(1, `error: ${err?.stack ?? err}`))
  const dog = setTimeout(() => fail(1, `watchdog: run exceeded ${Math.round(timeoutMs / 1000)} s`), timeoutMs)
  dog.unref()
  process.once('exit', () => {
    for (const c of children) {
      try {
        c.kill('SIGKILL')
      } catch {
        // already gone
      }
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })
}
