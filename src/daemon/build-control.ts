/** The control socket: the API and dashboard on a UNIX socket, always on, no token (the 0600 file mode guards it). */
import { chmod } from 'node:fs/promises'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { buildApi } from '../api/server.js'
import type { ApiDeps } from '../api/deps.js'
import { dashboardPlugin, type DashboardDeps } from '../dashboard/routes.js'
import { DnsplaneError } from '../errors.js'
import { prepareSocketPath, removeSocketFile } from './control-socket.js'
import type { BuildContext } from './options.js'

/** Listens on server_socket and registers 'control-socket'; throws DnsplaneError ERR_BIND_FAILED. Returns the path. */
export async function startControlSocket({ config, log, stops }: BuildContext, apiDeps: ApiDeps, dashboardDeps: DashboardDeps): Promise<string> {
  const socketPath = config.server_socket
  const control = buildApi(apiDeps, { requireAuth: false, plugins: [dashboardPlugin(dashboardDeps)] })
  await listenOnSocket(control, socketPath, log)
  stops.push('control-socket', async () => {
    await control.close()
    await removeSocketFile(socketPath)
  })
  return socketPath
}

async function listenOnSocket(app: FastifyInstance, path: string, log: Logger): Promise<void> {
  await prepareSocketPath(path)
  try {
    await app.listen({ path })
  } catch (cause) {
    throw new DnsplaneError('ERR_BIND_FAILED', `control socket ${path}: ${(cause as Error).message}; set "server_socket" in dnsplane.json or pass --server-socket`, { cause })
  }
  await chmod(path, 0o600)
  log.info({ path }, 'control socket listening')
}
