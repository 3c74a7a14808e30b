/**
 * What the control plane may ask of the running configuration (TUI `server config|set|save|load`).
 * Implemented by config/manager.ts. Types only.
 */
export interface SetResult {
  key: string
  /** The parsed, validated value now in memory (secrets shown as "(set)"/"(empty)"). */
  value: unknown
  /** True when the change only takes effect after a restart (listeners, ports, cluster_enabled). */
  restart_required: boolean
}

export interface ConfigControl {
  /** Path of the loaded dnsplane.json. */
  readonly path: string
  /** The settings with every secret redacted ("(set)" or "" ), grouped keys as in the file. */
  redacted(): Record<string, unknown>
  /** Parse `value` for `key` (aliases accepted), validate against the schema, apply in memory. Throws ERR_CONFIG_INVALID naming the key. */
  set(key: string, value: string): SetResult
  /** Write the in-memory settings to the file atomically (mode 0600). */
  save(): Promise<void>
  /** Re-read the file, validate, apply. Throws and keeps the current settings on error. */
  load(): Promise<void>
}
