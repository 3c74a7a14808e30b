/**
 * Tab completion (pure): contexts, commands, sub-commands, setting names, roles, record names and
 * types, and peer addresses. Record names and peers come from the caller (the app fetches them from the daemon).
 */
import { BUILTINS, CONTEXTS, ROOT_COMMANDS, findCommand, findContext } from './commands/registry.js'
import type { CommandSpec, ShellState } from './commands/types.js'
import { parsePartialLine, quoteArg } from './line-parser.js'

/** Most candidates returned (the app shows them under the prompt). */
export const MAX_CANDIDATES = 200

/** Setting names offered after `server set` (the original's keys; the daemon accepts aliases too). */
export const SETTING_NAMES: readonly string[] = [
  'port', 'apiport', 'api', 'api_auth_token', 'api_bind', 'api_tls_cert', 'api_tls_key', 'api_rate_limit_rps',
  'api_rate_limit_burst', 'dns_bind', 'dns_rate_limit_rps', 'dns_rate_limit_burst', 'fallback_server_ip',
  'fallback_server_port', 'fallback_server_transport', 'timeout', 'cache_records', 'local_records_enabled',
  'cache_warm_enabled', 'cache_warm_interval_seconds', 'cache_compact_enabled', 'cache_compact_interval_seconds',
  'stats_dashboard_enabled', 'pretty_json', 'full_stats', 'full_stats_dir', 'server_socket', 'server_tcp',
  'dnsservers', 'dnsrecords', 'records_source_type', 'cache', 'auto_build_ptr_from_a', 'forward_ptr_queries',
  'add_updates_records', 'dns_refuse_any', 'dns_max_edns_udp_payload', 'log_dir', 'log_severity', 'log_rotation',
  'log_rotation_size_mb', 'log_rotation_time_days', 'cluster_enabled', 'cluster_listen_addr', 'cluster_peers',
  'cluster_auth_token', 'cluster_node_id', 'cluster_sync_interval_seconds', 'cluster_advertise_addr',
  'cluster_replica_only', 'cluster_reject_local_writes', 'cluster_admin', 'cluster_admin_token',
  'cluster_sync_policy', 'cluster_allowed_writer_node_ids', 'cluster_discovery_srv',
  'cluster_discovery_interval_seconds',
]

const COMMON_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT', 'CAA']

export interface CompletionResult {
  /** The line after completion (unchanged when nothing could be added). */
  line: string
  /** Every matching candidate, sorted; more than one means the user has to choose. */
  candidates: string[]
}

/** Dynamic words completion offers, fetched from the daemon by the app. */
export interface CompletionData {
  recordNames: readonly string[]
  /** Cluster peer addresses (host:port). */
  peers?: readonly string[]
}

function argCandidates(cmd: CommandSpec, argIndex: number, previous: string[], data: CompletionData): string[] {
  const recordNames = data.recordNames
  if (argIndex === 0 && cmd.subcommands) return cmd.subcommands
  switch (cmd.argCompletion) {
    case 'record-names':
      return [...recordNames]
    case 'record-types':
      return argIndex === 0 ? [...recordNames] : argIndex === 1 ? COMMON_TYPES : []
    case 'settings':
      return argIndex === 0 ? [...SETTING_NAMES] : []
    case 'roles':
      if (argIndex === 1 && (previous[0] === 'remove' || previous[0] === 'set-role')) return [...(data.peers ?? [])]
      return argIndex === 2 && (previous[0] === 'add' || previous[0] === 'set-role') ? ['full', 'readonly'] : []
    case 'peers':
      return argIndex === 1 ? [...(data.peers ?? [])] : []
    default:
      return []
  }
}

/** Candidate words for the position after `words` (before filtering by the typed prefix). */
export function candidatesFor(words: string[], state: ShellState, data: CompletionData): string[] {
  const current = state.context ? findContext(state.context) : undefined
  if (words.length === 0) {
    const builtins = BUILTINS.flatMap((b) => b.names).filter((w) => /^[a-z]/.test(w))
    return [...CONTEXTS.map((c) => c.name), ...ROOT_COMMANDS.map((c) => c.name), ...(current?.commands.map((c) => c.name) ?? []), ...builtins]
  }
  const first = words[0].toLowerCase()
  if (first === 'cd') return words.length === 1 ? CONTEXTS.map((c) => c.name) : []
  if (first === 'help' || first === '?' || first === 'h') return candidatesFor(words.slice(1), state, data).filter((w) => !['exit', 'quit', 'q'].includes(w))
  const named = findContext(first)
  if (named) {
    if (words.length === 1) return named.commands.map((c) => c.name)
    const cmd = findCommand(named.commands, words[1])
    return cmd ? argCandidates(cmd, words.length - 2, words.slice(2), data) : []
  }
  const cmd = (current && findCommand(current.commands, first)) ?? findCommand(ROOT_COMMANDS, first)
  return cmd ? argCandidates(cmd, words.length - 1, words.slice(1), data) : []
}

function commonPrefix(words: string[]): string {
  if (words.length === 0) return ''
  let p = words[0]
  for (const w of words) {
    let i = 0
    while (i < p.length && i < w.length && p[i].toLowerCase() === w[i].toLowerCase()) i++
    p = p.slice(0, i)
  }
  return p
}

/**
 * Completes the word under the cursor (the end of `line`). One match → the word plus a space;
 * several → their longest common prefix, with the candidates listed.
 */
export function completeLine(line: string, state: ShellState, data: CompletionData | readonly string[]): CompletionResult {
  const partial = parsePartialLine(line)
  const prefix = partial.current.toLowerCase()
  const d: CompletionData = Array.isArray(data) ? { recordNames: data } : (data as CompletionData)
  const all = [...new Set(candidatesFor(partial.args, state, d))]
  const candidates = all.filter((c) => c.toLowerCase().startsWith(prefix)).sort().slice(0, MAX_CANDIDATES)
  if (candidates.length === 0) return { line, candidates }
  const head = partial.args.length === 0 ? '' : `${partial.args.map(quoteArg).join(' ')} `
  if (candidates.length === 1) return { line: `${head}${quoteArg(candidates[0])} `, candidates }
  const common = commonPrefix(candidates)
  if (common.length > partial.current.length && !/[\s"'\\]/.test(common)) return { line: `${head}${common}`, candidates }
  return { line, candidates }
}
