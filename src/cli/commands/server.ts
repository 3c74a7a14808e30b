/**
 * `dnsplane server`: start a daemon, stop it gracefully on SIGTERM/SIGINT, reload on SIGHUP.
 * Start-up errors (bad config, unbindable port) print one clear line and exit 1.
 */
import { startDaemon, type DaemonOverrides } from '../../daemon/daemon.js'
import { isDnsplaneError } from '../../errors.js'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

export async function runServer(overrides: DaemonOverrides): Promise<number> {
  let daemon
  try {
    daemon = await startDaemon({
      overrides,
      cwd: process.cwd(),
      exeDir: dirname(dirname(fileURLToPath(import.meta.url))),
      env: process.env,
      stdout: process.stdout,
    })
  } catch (err) {
    const prefix = isDnsplaneError(err) ? `${err.code}: ` : ''
    process.stderr.write(`dnsplane: cannot start: ${prefix}${(err as Error).message}\n`)
    return 1
  }
  const running = daemon
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    running.log.info({ signal }, 'stopping')
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        running.log.error({ err }, 'stop failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGHUP', () => {
    running.reload().catch((err: unknown) => running.log.error({ err }, 'reload failed'))
  })
  return 0
}
