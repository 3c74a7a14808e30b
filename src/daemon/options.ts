/**
 * The daemon's public option and handle types, and the context every builder receives.
 * Types only; daemon.ts re-exports the public ones.
 */
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import type { Config } from '../config/schema.js'
import type { RecordStore } from '../store/record-store.js'
import type { ClusterManager } from '../cluster/manager.js'
import type { StopStack } from './stop-stack.js'

/** Command-line flags that override the config file, each only when given. */
export interface DaemonOverrides {
  configPath?: string
  dnsrecords?: string
  dnsservers?: string
  cache?: string
  port?: string
  apiport?: string
  api?: boolean
  serverSocket?: string
  /** `--strict`: refuse unknown config keys (as `strict_config: true`). */
  strict?: boolean
}

export interface StartDaemonOptions {
  overrides: DaemonOverrides
  cwd: string
  exeDir: string
  env: NodeJS.ProcessEnv
  homeDir?: string
  isRoot?: boolean
  /** Where logs go when no log file is configured (default stderr). */
  stdout?: NodeJS.WritableStream
  /** Logger to use instead of building one from the config (tests). */
  logger?: Logger
  /** Third config search place (default /etc/dnsplane.json; tests point it elsewhere). */
  systemConfigPath?: string
  /** Cluster probe period (default 30 s; tests use less). */
  clusterProbeIntervalMs?: number
  /** DNS servers (ip:port) for SRV discovery instead of the system resolver (tests point it at a node). */
  srvResolverServers?: string[]
}

export interface Daemon {
  readonly log: Logger
  readonly configPath: string
  config(): Config
  dnsAddress(): { udp: AddressInfo; tcp: AddressInfo }
  /** DNS-over-TLS and DNS-over-HTTPS addresses, each when enabled. */
  encryptedDnsAddress?(): { dot?: AddressInfo; doh?: AddressInfo }
  apiAddress(): AddressInfo | undefined
  /** The profiling endpoint's address (pprof_enabled), else undefined. */
  profilingAddress?(): AddressInfo | undefined
  readonly socketPath: string
  clusterAddress(): string | undefined
  readonly records: RecordStore
  readonly cluster: ClusterManager
  /** SIGHUP: re-read dnsplane.json (live keys), the records file, the servers file and the DoT/DoH certificates. */
  reload(): Promise<void>
  stop(): Promise<void>
}

/** What every builder gets: the config at start-up, the live config, the root logger and the stop stack. */
export interface BuildContext {
  /** The config as loaded at start-up (what listeners bind to). */
  config: Config
  /** The live config (changes on reload and API writes). */
  cfg: () => Config
  log: Logger
  stops: StopStack
}

/** Whether the DNS listeners and the REST API are up; readiness and the dashboard read these live. */
export interface UpFlags {
  dns: boolean
  api: boolean
}
