/**
 * adblock_list_files: loads the lists into the BlockList the responder consults, and re-reads them all
 * when one changes (mtime poll, so replaced-by-rename files are seen too). A reload where any file
 * cannot be read keeps the previous set: a half-copied list must not unblock everything.
 */
import { readFile } from 'node:fs/promises'
import { unwatchFile, watchFile, type Stats } from 'node:fs'
import type { Logger } from 'pino'
import { BlockList, parseBlockList } from '../dns/block/block-list.js'
import type { BuildContext } from './options.js'

/** How often the list files' mtimes are checked. */
export const BLOCK_POLL_MS = 2000

/** All names of `files`, or the first read error. */
export async function readBlockFiles(files: readonly string[], log: Logger): Promise<Set<string> | Error> {
  const names = new Set<string>()
  for (const file of files) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      return err as Error
    }
    const skipped = parseBlockList(text, names)
    if (skipped > 0) log.warn({ file, skipped }, 'block list: lines skipped (not a name or hosts line)')
  }
  return names
}

/**
 * The BlockList of config.adblock_list_files (undefined when none is set), loaded before the DNS
 * listeners start. A file missing at start is logged and the others load; the poll picks it up later.
 */
export async function buildBlockList(ctx: BuildContext, pollMs = BLOCK_POLL_MS): Promise<BlockList | undefined> {
  const files = ctx.config.adblock_list_files
  if (files.length === 0) return undefined
  const { log } = ctx
  const list = new BlockList()
  const started = Date.now()
  const first = await readBlockFiles(files, log)
  if (first instanceof Error) {
    log.error({ err: first }, 'block list: a file cannot be read; loading the readable ones')
    const parts = await Promise.all(files.map((f) => readBlockFiles([f], log)))
    list.replace(new Set(parts.flatMap((p) => (p instanceof Error ? [] : [...p]))))
  } else list.replace(first)
  log.info({ names: list.size, files: files.length, ms: Date.now() - started }, 'block lists loaded')
  let chain = Promise.resolve()
  const reload = (): void => {
    chain = chain.then(async () => {
      const next = await readBlockFiles(files, log)
      if (next instanceof Error) return log.error({ err: next }, 'block list reload failed; keeping the current list')
      list.replace(next)
      log.info({ names: list.size }, 'block lists reloaded')
    })
  }
  const onChange = (cur: Stats, prev: Stats): void => {
    if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size || cur.ino !== prev.ino) reload()
  }
  for (const f of files) watchFile(f, { persistent: false, interval: pollMs }, onChange)
  ctx.stops.push('block-lists', async () => {
    for (const f of files) unwatchFile(f, onChange)
    await chain
  })
  return list
}
