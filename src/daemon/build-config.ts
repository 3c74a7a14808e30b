/** Loads dnsplane.json (with the command-line overrides), builds the logger and the live config manager. */
import { homedir } from 'node:os'
import type { Logger } from 'pino'
import { loadConfig, validateContextFor, type ConfigOverrides, type LoadedConfig } from '../config/load.js'
import { ConfigManager } from '../config/manager.js'
import type { Config } from '../config/schema.js'
import { createLogger, logFilePath, type LogRotation } from '../log.js'
import { logFormatFrom, type LogFormat } from '../log-pretty.js'
import type { StartDaemonOptions } from './options.js'

export interface BuiltConfig {
  loaded: LoadedConfig
  log: Logger
  configManager: ConfigManager
}

/** Throws DnsplaneError ERR_CONFIG_INVALID (and friends) from loadConfig; logs the load and its warnings. */
export async function buildConfig(opts: StartDaemonOptions): Promise<BuiltConfig> {
  const home = opts.homeDir ?? homedir()
  const isRoot = opts.isRoot ?? (typeof process.getuid === 'function' && process.getuid() === 0)
  const overrides: ConfigOverrides = {
    port: opts.overrides.port,
    apiport: opts.overrides.apiport,
    api: opts.overrides.api,
    server_socket: opts.overrides.serverSocket,
    dnsservers: opts.overrides.dnsservers,
    cache: opts.overrides.cache,
    dnsrecords: opts.overrides.dnsrecords,
  }
  const loaded = await loadConfig({
    configPath: opts.overrides.configPath,
    cwd: opts.cwd,
    exeDir: opts.exeDir,
    env: opts.env,
    homeDir: home,
    isRoot,
    systemConfigPath: opts.systemConfigPath,
    overrides,
    strict: opts.overrides.strict,
  })
  const log = opts.logger ?? loggerFor(loaded.config, opts.stdout, logFormatFrom(opts.env ?? {}))
  log.info({ path: loaded.path, created: loaded.created }, loaded.created ? 'config created with defaults' : 'config loaded')
  for (const w of loaded.warnings) log.warn(w)

  const configManager = new ConfigManager({
    path: loaded.path,
    config: loaded.config,
    context: validateContextFor(loaded.path, { env: opts.env, homeDir: home, isRoot, strict: opts.overrides.strict }),
    logger: log,
  })
  return { loaded, log, configManager }
}

function loggerFor(config: Config, stdout: NodeJS.WritableStream | undefined, format: LogFormat): Logger {
  const severity = config.log.log_severity
  // 'none' (the original's default) means no log files; the foreground console still gets info lines.
  if (severity === 'none') return createLogger({ severity: 'info', destination: stdout ?? process.stderr, format })
  return createLogger({ severity, destination: logFilePath(config.log.log_dir, 'dns'), format, rotation: logRotationFrom(config.log) })
}

/** The log file rotation of `log.log_rotation`, `log.log_rotation_size_mb` and `log.log_rotation_time_days`. */
export function logRotationFrom(l: Config['log']): LogRotation {
  return { mode: l.log_rotation, sizeMb: l.log_rotation_size_mb, timeDays: l.log_rotation_time_days }
}
