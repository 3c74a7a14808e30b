/**
 * The one schema of `dnsplane.json`: for every key of the original Go dnsplane plus ours, its type,
 * default, range and a one-line description, and (in the `dnsplane` option) whether we implement
 * it, whether it applies live, and whether it is a secret or a path.
 * Pure: imports nothing but TypeBox. Types, defaults, docs/configuration.md and
 * dnsplane.example.json all follow from here (tests fail when they drift).
 */
import { Type, type Static, type TLiteral, type TSchema, type TObject } from '@sinclair/typebox'

/** Per-key facts that JSON Schema has no word for; stored on each key's schema as option `dnsplane`. */
export interface KeyInfo {
  /** Heading the key is listed under in docs and `server config`. */
  group: string
  /** False: accepted and type-checked, but has no effect yet (one warning when set to a non-default value). */
  implemented: boolean
  /** True: a running node applies a new value without restart (`server set` reports restart_required otherwise). */
  live: boolean
  /** Never printed or logged: shown as "(set)" / "(empty)". */
  secret: boolean
  /** A filesystem path: relative values resolve against the config file's directory. */
  path: boolean
  /** Values the original accepts that we refuse for now (named in the error). */
  notImplementedValues?: readonly string[]
  /** Extra sentence for docs (quirks, decisions). */
  note?: string
  /** We decided not to implement this key: setting it to a non-default value stops start-up; the reason is documented. */
  refused?: string
}

type Flags = Partial<Omit<KeyInfo, 'group'>>

/** Strings that are valid TCP/UDP ports, "0".."65535" (0 = let the OS pick, used by tests). */
const PORT_PATTERN = '^(0|[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$'

const INT32_MAX = 2_147_483_647
/**
 * Upper bound of every seconds key that drives a timer: Node's timers hold at most 2^31 - 1 ms, and a
 * larger delay silently becomes 1 ms (a 30-day interval would fire back to back). About 24.8 days.
 */
export const MAX_TIMER_SECONDS = 2_147_483
/** Upper bound on list keys (peers, networks, lists): the file is already size-bounded; this keeps lists sane. */
export const MAX_LIST_ITEMS = 1024

function info(flags: Flags): Omit<KeyInfo, 'group'> {
  return { implemented: true, live: false, secret: false, path: false, ...flags }
}
function bool(def: boolean, description: string, flags: Flags = {}) {
  return Type.Boolean({ default: def, description, dnsplane: info(flags) })
}
function int(def: number, minimum: number, maximum: number, description: string, flags: Flags = {}) {
  return Type.Integer({ default: def, minimum, maximum, description, dnsplane: info(flags) })
}
function num(def: number, minimum: number, maximum: number, description: string, flags: Flags = {}) {
  return Type.Number({ default: def, minimum, maximum, description, dnsplane: info(flags) })
}
function str(def: string, description: string, flags: Flags = {}) {
  return Type.String({ default: def, maxLength: 4096, description, dnsplane: info(flags) })
}
function port(def: string, description: string, flags: Flags = {}) {
  return Type.String({ default: def, pattern: PORT_PATTERN, description, dnsplane: info(flags) })
}
function list(description: string, flags: Flags = {}) {
  return Type.Array(Type.String({ maxLength: 4096 }), { default: [], maxItems: MAX_LIST_ITEMS, description, dnsplane: info(flags) })
}
function oneOf<const V extends readonly [string, ...string[]]>(values: V, def: V[number], description: string, flags: Flags = {}) {
  return Type.Union(
    values.map((v) => Type.Literal(v)) as unknown as TLiteral<V[number]>[],
    { default: def, description, dnsplane: info(flags) },
  )
}
/** Stamps the group name on every key of a section (keeps the schema readable). */
function section<P extends Record<string, TSchema>>(group: string, props: P): P {
  for (const s of Object.values(props)) {
    const meta = (s as { dnsplane?: KeyInfo }).dnsplane
    if (meta) meta.group = group
  }
  return props
}

const NI = { implemented: false } as const
const FULL_STATS_REFUSED =
  'per-requester statistics kept forever on disk grow without bound and record client addresses; the metrics endpoint and the dashboard resolution log cover what operators asked of it'
const LIVE = { live: true } as const

const dns = section('DNS listener and resolution', {
  port: port('53', 'DNS UDP and TCP listen port (alias dns_port)'),
  dns_bind: str('', 'IP address the DNS listeners bind to; empty = all interfaces', {
    note: 'The original ignored this key on load; we honour it.',
  }),
  fallback_server_ip: str('1.1.1.1', 'global fallback upstream IP, queried with the selected upstreams', LIVE),
  fallback_server_port: port('53', 'global fallback upstream port', LIVE),
  fallback_server_transport: oneOf(['udp', 'tcp', 'dot', 'doh'], 'udp', 'transport to the global fallback upstream: udp, tcp, dot (TLS, port 53 means 853) or doh (fallback_server_ip may be an https URL; port 53 means 443)', {
    live: true,
    note: 'See docs/encrypted-dns.md (upstreams over DoT and DoH).',
  }),
  timeout: int(2, 1, 60, 'upstream query timeout in seconds', {
    live: true,
    note: 'The original ignored it (fixed 2 s); we honour it.',
  }),
  local_records_enabled: bool(true, 'answer from dnsrecords; false = forward everything (localhost still answered)', LIVE),
  records_mass_delete_guard_percent: int(50, 0, 100, 'ours: a records file edit, reload or record_lww start-up that would delete more than this % of the records (and at least 10) is held back until confirmed; 0 = off', {
    live: true,
    note: 'See docs/records.md (mass-delete guard). Deletes through the API or TUI are never held back.',
  }),
  records_flush_delay_ms: int(1000, 0, 60_000, 'ours: local record changes are acknowledged once in the records journal (dnsrecords.json.journal) and dnsrecords.json is rewritten this many ms later (a large file: paced by how long its last rewrite took, at most 30 s); 0 = rewrite dnsrecords.json on every write (no journal)', {
    note: 'See docs/storage.md. Read at start-up. A stop (SIGTERM) and POST /api/v1/records/flush write the file at once.',
  }),
  records_bulk_max_bytes: int(64 * 1024 * 1024, 1024, 1024 * 1024 * 1024, 'ours: largest body of POST /api/v1/records/bulk (records import, zone import), in bytes', {
    note: 'See docs/zone-files.md. Read at start-up.',
  }),
  dns_refuse_any: bool(false, 'answer NOTIMP to ANY queries', LIVE),
  dns_minimal_any: bool(false, 'ours: answer ANY with one RRset of the name instead of all of them (RFC 8482)'),
  dns_chaos_identity: bool(true, 'ours: answer CH TXT id.server and hostname.bind with the node id (the cluster node id; clustering off: cluster_node_id, else the host name)'),
  dns_chaos_version: bool(true, 'ours: answer CH TXT version.server and version.bind with the dnsplane version'),
  dns_max_edns_udp_payload: int(0, 0, 65535, 'cap on the EDNS UDP payload size advertised in responses; 0 = no cap', LIVE),
  dns_tcp_max_connections: int(256, 1, 65535, 'ours: maximum concurrent DNS-over-TCP connections; when full, the oldest idle connection of the busiest client is closed for a new one'),
  dns_tcp_max_connections_per_client: int(16, 1, 65535, 'ours: maximum concurrent DNS-over-TCP connections of one client (an IPv4 address, or an IPv6 /64)', {
    note: 'A client at its cap gives up its oldest idle connection for a new one (RFC 7766 6.2). IPv6 hosts of one LAN share a /64 and so one cap: raise it for large IPv6 LANs.',
  }),
  dns_tcp_idle_timeout_seconds: int(10, 1, 3600, 'ours: idle timeout of a DNS-over-TCP connection in seconds'),
  dns_rate_limit_rps: num(0, 0, 1_000_000, 'per-client-IP query rate (token bucket, REFUSED when exceeded); 0 = off'),
  dns_rate_limit_burst: int(50, 0, INT32_MAX, 'burst size of the per-IP query token bucket'),
  dns_amplification_max_ratio: int(0, 0, INT32_MAX, 'maximum UDP response/request size ratio (truncated, TC=1, above); 0 = off'),
  dns_response_limit_mode: oneOf(['sliding_window', 'rrl'], 'sliding_window', 'response limiter: sliding_window or rrl'),
  dns_sliding_window_seconds: int(1, 1, MAX_TIMER_SECONDS, 'sliding-window limiter window in seconds'),
  dns_max_responses_per_ip_window: int(0, 0, INT32_MAX, 'UDP responses per client IP per window (REFUSED above); 0 = off'),
  dns_rrl_max_per_bucket: int(0, 0, INT32_MAX, 'response-rate-limit responses per (client prefix, response class, name) bucket over UDP; 0 = off'),
  dns_rrl_window_seconds: int(1, 1, MAX_TIMER_SECONDS, 'response-rate-limit window in seconds'),
  dns_rrl_slip: num(0.1, 0, 1, 'share of rate-limited responses answered truncated instead of dropped (0..1)'),
})

const tlsListeners = section('DNS over TLS and HTTPS', {
  dot_enabled: bool(false, 'serve DNS over TLS (RFC 7858) on dot_bind:dot_port', { note: 'DoT and DoH: see docs/encrypted-dns.md (certificate reload on SIGHUP, status codes, caching).' }),
  dot_bind: str('', 'bind IP for DNS over TLS; empty = all'),
  dot_port: port('853', 'DNS-over-TLS port'),
  dot_cert_file: str('', 'TLS certificate chain (PEM) for DNS over TLS; re-read on SIGHUP', { path: true }),
  dot_key_file: str('', 'TLS private key (PEM, unencrypted) of dot_cert_file; re-read on SIGHUP', { path: true }),
  doh_enabled: bool(false, 'serve DNS over HTTPS (RFC 8484, HTTP/2 and HTTP/1.1) on doh_bind:doh_port'),
  doh_bind: str('', 'bind IP for DNS over HTTPS; empty = all'),
  doh_port: port('8443', 'DNS-over-HTTPS port'),
  doh_path: str('/dns-query', 'URL path of the DNS-over-HTTPS endpoint (GET ?dns= and POST); starts with /'),
  doh_cert_file: str('', 'TLS certificate chain (PEM) for DNS over HTTPS; re-read on SIGHUP', { path: true }),
  doh_key_file: str('', 'TLS private key (PEM, unencrypted) of doh_cert_file; re-read on SIGHUP', { path: true }),
})

/** One `tsig_keys` entry (docs/dynamic-updates.md); semantic checks (base64, names, file mode) in dns/tsig/keyring.ts. */
const TsigKeyEntry = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    algorithm: Type.Union(['hmac-sha1', 'hmac-sha224', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'].map((v) => Type.Literal(v))),
    secret: Type.Optional(Type.String({ maxLength: 4096 })),
    secret_file: Type.Optional(Type.String({ maxLength: 4096 })),
    zones: Type.Optional(Type.Array(Type.String({ maxLength: 255 }), { maxItems: MAX_LIST_ITEMS })),
    operations: Type.Optional(Type.Array(Type.Union(['update', 'transfer', 'notify'].map((v) => Type.Literal(v))), { maxItems: 3 })),
  },
  { additionalProperties: false },
)

const updates = section('Dynamic updates and TSIG', {
  tsig_keys: Type.Array(TsigKeyEntry, {
    default: [], maxItems: MAX_LIST_ITEMS,
    description: 'ours: TSIG keys (RFC 8945): [{name, algorithm, secret (base64) or secret_file (mode 0600), zones, operations}]',
    dnsplane: info({ secret: true, note: 'See docs/dynamic-updates.md. `zones` absent or empty = every zone; `operations` absent = update, transfer and notify.' }),
  }),
  update_allowed_networks: list('ours: CIDR networks whose UNSIGNED RFC 2136 updates are accepted; empty = unsigned updates are REFUSED (signed ones are checked against tsig_keys)'),
})

const zones = section('AXFR and DNSSEC', {
  axfr_enabled: bool(false, 'serve zone transfers (AXFR and IXFR, over TCP and DoT) of the zones held locally (owners of a SOA record)', {
    live: true, note: 'Serials, IXFR history and NOTIFY: see docs/zone-transfers.md.',
  }),
  axfr_allowed_networks: list('CIDR networks (or single addresses) allowed to transfer zones; empty = nobody', LIVE),
  zone_also_notify: list('ours: secondaries sent NOTIFY when a zone changes: "ADDRESS[:PORT]" (every zone) or "ZONE ADDRESS[:PORT]", either followed by " key=NAME" to sign with that tsig_keys key; IPv6 with a port as [ADDR]:PORT', LIVE),
  ixfr_history_max_diffs: int(100, 0, 100_000, 'ours: zone changes remembered per zone for IXFR (kept in zone_history/ across restarts); 0 = always answer IXFR with the whole zone'),
  ixfr_history_max_bytes: int(4_194_304, 0, INT32_MAX, 'ours: bytes of remembered zone changes per zone for IXFR; the oldest are dropped first'),
  dnssec_validate: bool(false, 'validate forwarded answers (DO and CD upstream, chain from the trust anchor); secure ones get AD, bogus ones are logged and counted and answered without AD (docs/dnssec.md)'),
  dnssec_validate_strict: bool(false, 'with dnssec_validate: answer bogus answers SERVFAIL with an Extended DNS Error (RFC 8914) unless the query has CD'),
  dnssec_trust_anchor_file: str('', 'DS or DNSKEY records in zone-file form (as BIND and Unbound read them); empty = the root KSKs built in (no RFC 5011 rollover)', { path: true }),
  dnssec_sign_enabled: bool(false, 'sign local answers of dnssec_sign_zone when the query has DO set (online signing, compact denial)', { note: 'See docs/dnssec.md.' }),
  dnssec_sign_zone: str('', 'zone signed with the DNSSEC key(s); it must be held locally (a SOA record at its apex)'),
  dnssec_sign_key_file: str('', 'DNSKEY file(s) as dnssec-keygen writes them (K<zone>.+<alg>+<tag>.key); several keys (KSK and ZSK, or a rollover) comma-separated'),
  dnssec_sign_private_key_file: str('', 'matching .private file(s), comma-separated in the same order (mode 0600); empty = each .key file with .private in place of .key'),
  dnssec_key_share_plain: bool(false, 'ours: a signing node also serves its DNSSEC keys to a peer over plain TCP cluster links (shared-token auth only), and a node without key files fetches them so; default: cluster TLS only (docs/dnssec.md)'),
})

const upstream = section('Upstream health and adblock', {
  upstream_health_check_enabled: bool(false, 'probe active upstream servers periodically'),
  upstream_health_check_failures: int(3, 1, 1000, 'consecutive failed probes before an upstream counts as unhealthy'),
  upstream_health_check_interval_seconds: int(30, 1, 86_400, 'seconds between upstream probes', {
    note: 'The original replaced values below 5 by 30; we use the value as given.',
  }),
  upstream_health_check_query_name: str('google.com.', 'name queried (type A) by upstream probes; NOERROR or NXDOMAIN = healthy'),
  adblock_list_files: list('hosts-format or plain domain block lists; A/AAAA of a listed name get 0.0.0.0/::, re-read when a file changes', {
    note: 'Exact names, local records win; see docs/block-lists.md.',
  }),
})

const cache = section('Cache', {
  cache_records: bool(true, 'cache upstream answers and answer from the cache', LIVE),
  min_cache_ttl_seconds: int(600, 0, INT32_MAX, 'TTL floor in seconds for cached answers (0 behaves as 600, as in the original)', LIVE),
  stale_while_revalidate: bool(true, 'serve expired cache entries with TTL 1 while refreshing them', {
    live: true,
    note: 'The original treated an absent key as false; we default to true, as its generated config does.',
  }),
  cache_warm_enabled: bool(true, 'periodically ask the node\'s own UDP listener localhost. A to keep the answering path warm', {
    note: 'localhost is answered locally (RFC 6761), so a warm query never leaves the host; it counts in the query statistics as a query from the loopback address, as in the original.',
  }),
  cache_warm_interval_seconds: int(10, 1, MAX_TIMER_SECONDS, 'seconds between cache warm queries'),
  cache_compact_enabled: bool(true, 'periodically drop expired cache rows'),
  cache_compact_interval_seconds: int(1800, 60, MAX_TIMER_SECONDS, 'seconds between cache compactions'),
  pretty_json: bool(false, 'indent the data files (records, servers, cache); the config is always indented', LIVE),
})

const api = section('API, dashboard and TUI access', {
  api: bool(false, 'start the REST API (alias api_enabled)'),
  apiport: port('8080', 'REST API port (alias rest_port)'),
  api_bind: str('', 'IP address the REST API binds to; empty = all interfaces when api_auth_token is set, else 127.0.0.1 only. Without api_auth_token a non-loopback address stops start-up unless api_allow_unauthenticated_remote is true', {
    note: 'The original ignored this key on load; we honour it.',
  }),
  api_auth_token: str('', 'when set, API requests need "Authorization: Bearer <token>" or "X-API-Token"', {
    live: true,
    secret: true,
  }),
  api_viewer_token: str('', 'ours: read-only token: GET/HEAD API requests, the dashboard and its live feed; every write answers 403. Used only while api_auth_token is set', {
    live: true,
    secret: true,
  }),
  api_allow_unauthenticated_remote: bool(false, 'ours: allow api_bind to name a non-loopback address while api_auth_token is empty (anyone who reaches the port can change records and settings); a warning is logged at start'),
  api_tls_cert: str('', 'TLS certificate (PEM) for the API: HTTPS when set with api_tls_key (one without the other refuses the start); re-read on SIGHUP'),
  api_tls_key: str('', 'TLS private key for the API'),
  api_rate_limit_rps: num(0, 0, 1_000_000, 'per-client-IP API request rate (429 when exceeded); 0 = off'),
  api_rate_limit_burst: int(20, 0, INT32_MAX, 'burst size of the per-IP API limit'),
  stats_dashboard_enabled: bool(true, 'serve the web dashboard routes (404 when false)', LIVE),
  dashboard_resolution_log_cap: int(1000, 1, 1_000_000, 'resolutions kept in memory for the dashboard log'),
  full_stats: bool(false, 'keep persistent per-requester and per-domain statistics', { ...NI, refused: FULL_STATS_REFUSED }),
  full_stats_dir: str('fullstats', 'directory of the persistent statistics database', { ...NI, path: true, refused: FULL_STATS_REFUSED }),
  server_socket: str('', 'UNIX socket for the TUI; empty = platform default (see below) (alias client_socket_path)', {
    path: true,
  }),
  server_tcp: str('0.0.0.0:8053', 'TCP address of the TUI listener (alias client_tcp_address)', {
    ...NI,
    refused: 'the TUI talks to the daemon over the control socket or the REST API (api_auth_token, api_tls_*); a second, unauthenticated-by-default TCP control port adds exposure for nothing they lack',
  }),
  pprof_enabled: bool(false, 'profiling endpoint in place of Go pprof: GET /debug/cpu-profile?seconds=N (1..60, a .cpuprofile) and GET /debug/heap-snapshot (a .heapsnapshot); no authentication'),
  pprof_listen: str('127.0.0.1:6060', 'host:port of the profiling endpoint; loopback only (a non-loopback address stops start-up: a heap snapshot holds every secret in memory; use an SSH tunnel)'),
})

const recordsSource = Type.Object(
  section('Files', {
    type: oneOf(['file', 'url', 'bind_dir'], 'file', 'records source type: file (read/write), url or bind_dir (read-only; docs/zone-files.md)', {
      notImplementedValues: ['git'],
      note: 'git (the original\'s shallow clone) is not implemented: running git on a DNS server and trusting a repository\'s history adds an attack surface the url source avoids; see docs/zone-files.md.',
    }),
    location: str('dnsrecords.json', 'path of dnsrecords.json (legacy alias file_locations.dnsrecords / dnsrecords_file)', {
      path: true,
    }),
    refresh_interval_seconds: int(60, 1, MAX_TIMER_SECONDS, 'refresh period of url/bind_dir sources (bind_dir: only when set)'),
    include_pattern: str('*.db', 'bind_dir: zone file glob'),
    named_conf: str('', 'bind_dir: named.conf to read zones from'),
    watch: bool(false, 'bind_dir: reload when zone files change'),
  }),
  { description: 'where local records come from' },
)

const fileLocations = Type.Object(
  section('Files', {
    dnsservers: str('dnsservers.json', 'upstream server list (alias dnsserver_file)', { path: true }),
    cache: str('dnscache.json', 'cache file (alias cache_file)', { path: true }),
    records_source: recordsSource,
  }),
  { description: 'data file locations; relative paths resolve against the config file directory' },
)

const recordSettings = Type.Object(
  section('Record settings', {
    auto_build_ptr_from_a: bool(true, 'answer PTR queries from A/AAAA records', LIVE),
    forward_ptr_queries: bool(false, 'kept for compatibility; no effect (as in the original)', LIVE),
    add_updates_records: bool(false, 'kept for compatibility; no effect (as in the original)', LIVE),
  }),
  { description: 'local record behaviour' },
)

const log = Type.Object(
  section('Logging', {
    log_dir: str('log', 'directory of the log files; default <config dir>/log, or /var/log/dnsplane for a config under /etc', {
      path: true,
    }),
    log_severity: oneOf(['debug', 'info', 'warn', 'error', 'none'], 'none', 'lowest severity written to the log files; none = no files'),
    log_rotation: oneOf(['none', 'size', 'time'], 'size', 'log file rotation (pino-roll): none, by size or by age; rotated files are numbered (dnsserver.N.log) with a current.log symlink'),
    log_rotation_size_mb: int(100, 1, 1_000_000, 'rotate a log file above this size (MB)'),
    // pino-roll arms one timer per period: 24 days is the longest below Node's 2^31-1 ms timer limit.
    log_rotation_time_days: int(7, 1, 24, 'rotate log files after this many days (at most 24)'),
  }),
  { description: 'logging' },
)

const files = section('Files', {
  strict_config: bool(false, 'refuse to start (or reload) when dnsplane.json has an unknown key, instead of warning; also dnsplane server --strict', LIVE),
  file_locations: fileLocations,
  DNSRecordSettings: recordSettings,
  log,
})

const cluster = section('Cluster', {
  cluster_enabled: bool(false, 'run the cluster listener, push, pull and discovery loops'),
  cluster_listen_addr: str(':7946', 'cluster TCP listen address host:port; empty means :7946'),
  cluster_advertise_addr: str('', 'address peers should dial (shown by cluster join); empty = guessed', LIVE),
  cluster_peers: list('static peers host:port', LIVE),
  cluster_auth_token: str('', 'shared cluster token, trimmed; at least 8 characters (16+ random recommended); empty = all cluster auth fails (no push or pull)', {
    live: true,
    secret: true,
    note: 'The original accepted any value; a token of only whitespace or under 8 characters is refused (config/cluster-token.ts).',
  }),
  cluster_node_id: str('', 'stable node id; empty = from cluster_state.json or a random node-<16 hex>'),
  cluster_sync_interval_seconds: int(0, 0, MAX_TIMER_SECONDS, 'seconds between periodic pulls from every peer; 0 = no periodic pull', {
    note: 'The original turned negatives into 0; we reject them.',
  }),
  cluster_replica_only: bool(false, 'never push local changes (still accepts pushes and answers pulls)', LIVE),
  cluster_reject_local_writes: bool(false, 'refuse local record writes from API and TUI (HTTP 403)', LIVE),
  cluster_admin: bool(false, 'this node may send admin_config_apply to peers', LIVE),
  cluster_admin_token: str('', 'admin token; accept (and send) admin_config_apply only when non-empty and equal', {
    live: true,
    secret: true,
  }),
  cluster_sync_policy: str(
    'lww_per_node',
    'record_lww, lww_per_node, primary_writer or global_lww; absent, empty or unknown = lww_per_node (as the original); new config files are written with record_lww',
    {
      live: true,
      note: 'record_lww is chosen at start: switching to or from it takes a restart.',
    },
  ),
  cluster_allowed_writer_node_ids: list('node ids whose snapshots primary_writer accepts', LIVE),
  cluster_discovery_srv: str('', 'SRV name for peer discovery, e.g. _dnsplane._tcp.example.com.', LIVE),
  cluster_discovery_interval_seconds: int(60, 0, MAX_TIMER_SECONDS, 'seconds between SRV refreshes; 0 = at startup only', {
    note: 'The original used 60 only when the key was absent; same here.',
  }),
  cluster_ready_requires_sync: bool(false, 'ours: /ready reports not ready until a first sync with a peer succeeded'),
  cluster_ready_sync_timeout_seconds: int(60, 0, 86_400, 'ours: with cluster_ready_requires_sync, seconds after start a node waits for a first sync before it becomes ready anyway (logged, and noted in /ready); 0 = wait forever', LIVE),
  cluster_tombstone_ttl_seconds: int(604_800, 60, INT32_MAX, 'ours (record_lww): seconds a delete is remembered (tombstone) before it is forgotten; default 7 days', LIVE),
  cluster_allow_plain_token: bool(true, 'ours: send and accept the plain token (needed for Go peers); false = challenge-response only', LIVE),
  cluster_tls_cert: str('', 'ours: PEM certificate for TLS on the cluster port (with cluster_tls_key); empty = plain TCP', { path: true }),
  cluster_tls_key: str('', 'ours: PEM private key file of cluster_tls_cert (keep it mode 0600)', { path: true }),
  cluster_tls_ca: str('', 'ours: PEM CA bundle; when set, TLS is mutual: peers must present a certificate signed by it', { path: true }),
})

/** The schema of `dnsplane.json` (snake_case keys exactly as on disk). */
export const ConfigSchema = Type.Object(
  {
    ...dns,
    ...tlsListeners,
    ...zones,
    ...updates,
    ...upstream,
    ...cache,
    ...api,
    ...files,
    ...cluster,
  },
  { description: 'dnsplane.json' },
)

/** A complete, validated configuration (defaults filled). Loaded configs are deep-frozen. */
export type Config = Static<typeof ConfigSchema>

/** One leaf key of the schema, by its dotted path (`file_locations.records_source.type`). */
export interface KeyEntry extends KeyInfo {
  key: string
  schema: TSchema
  description: string
  default: unknown
}

function collectKeys(obj: TObject, prefix: string, out: KeyEntry[]): void {
  for (const [name, schema] of Object.entries(obj.properties)) {
    const key = prefix + name
    if (schema.type === 'object' && 'properties' in schema) {
      collectKeys(schema as TObject, key + '.', out)
      continue
    }
    const meta = (schema as unknown as { dnsplane: KeyInfo }).dnsplane
    out.push({ ...meta, key, schema, description: String(schema.description), default: schema.default })
  }
}

const keyList: KeyEntry[] = []
collectKeys(ConfigSchema, '', keyList)

/** Every leaf key in schema (= file and docs) order. */
export const CONFIG_KEYS: readonly KeyEntry[] = Object.freeze(keyList)
/** Leaf keys by dotted path. */
export const KEY_BY_PATH: ReadonlyMap<string, KeyEntry> = new Map(keyList.map((k) => [k.key, k]))
/** Dotted paths of the original's keys we accept and type-check but do not act on yet. */
export const UNIMPLEMENTED_KEYS: ReadonlySet<string> = new Set(keyList.filter((k) => !k.implemented && !k.refused).map((k) => k.key))
/** Dotted paths of the original's keys we decided not to implement: a non-default value is a start-up error. */
export const REFUSED_KEYS: ReadonlyMap<string, string> = new Map(keyList.flatMap((k) => (k.refused ? [[k.key, k.refused] as const] : [])))
/** Dotted paths of secrets: never printed or logged. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(keyList.filter((k) => k.secret).map((k) => k.key))
/** Keys that exist only in this implementation (not in the original). */
export const OUR_KEYS: ReadonlySet<string> = new Set([
  'dns_tcp_max_connections',
  'dns_tcp_max_connections_per_client',
  'dns_tcp_idle_timeout_seconds',
  'cluster_ready_requires_sync',
  'cluster_ready_sync_timeout_seconds',
  'api_allow_unauthenticated_remote',
  'cluster_tombstone_ttl_seconds',
  'records_mass_delete_guard_percent',
  'records_flush_delay_ms',
  'records_bulk_max_bytes',
  'cluster_allow_plain_token',
  'cluster_tls_cert',
  'cluster_tls_key',
  'cluster_tls_ca',
  'tsig_keys',
  'update_allowed_networks',
  'zone_also_notify',
  'ixfr_history_max_diffs',
  'ixfr_history_max_bytes',
])

/**
 * Old key names the original reads from disk, mapped to the dotted path they stand for.
 * `dnsrecords` forms are legacy records locations (they imply records_source.type "file").
 */
export const FILE_KEY_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  dns_port: 'port',
  rest_port: 'apiport',
  api_enabled: 'api',
  client_socket_path: 'server_socket',
  client_tcp_address: 'server_tcp',
  dnsserver_file: 'file_locations.dnsservers',
  cache_file: 'file_locations.cache',
  'file_locations.dnsserver_file': 'file_locations.dnsservers',
  'file_locations.cache_file': 'file_locations.cache',
  'file_locations.dnsrecords': 'file_locations.records_source.location',
  'file_locations.dnsrecords_file': 'file_locations.records_source.location',
  dnsrecords_file: 'file_locations.records_source.location',
})

/** Default TCP listen address of the cluster when cluster_listen_addr is empty. */
export const DEFAULT_CLUSTER_LISTEN_ADDR = ':7946'

/** Known cluster_sync_policy values after normalisation (trim, lower-case). */
export const SYNC_POLICIES = ['lww_per_node', 'primary_writer', 'global_lww', 'record_lww'] as const

/** The sync policy written into newly created config files (an absent key still means lww_per_node). */
export const NEW_CONFIG_SYNC_POLICY = 'record_lww'

/** Sentence saying what a key accepts, used in error messages: "must be an integer >= 0". */
export function describeExpected(schema: TSchema): string {
  const s = schema as Record<string, unknown>
  const range = (kind: string): string => {
    const min = s.minimum as number | undefined
    const max = s.maximum as number | undefined
    const huge = (v: number | undefined) => v === undefined || v >= INT32_MAX
    if (min !== undefined && !huge(max)) return `must be ${kind} between ${min} and ${max}`
    if (min !== undefined) return `must be ${kind} >= ${min}`
    return `must be ${kind}`
  }
  const choices = literalChoices(schema)
  if (choices) return 'must be one of ' + choices.join('|')
  if (s.type === 'boolean') return 'must be a boolean (true or false)'
  if (s.type === 'integer') return range('an integer')
  if (s.type === 'number') return range('a number')
  if (s.type === 'string' && s.pattern === PORT_PATTERN) return 'must be a port number "0".."65535"'
  if (s.type === 'string') return 'must be a string'
  if (s.type === 'array' && (s.items as { type?: string }).type === 'object') return `must be an array of objects {${Object.keys((s.items as TObject).properties).join(', ')}} (at most ${MAX_LIST_ITEMS})`
  if (s.type === 'array') return `must be an array of strings (at most ${MAX_LIST_ITEMS})`
  if (s.type === 'object') return 'must be an object'
  return 'has an invalid value'
}

/** The allowed values of an enum key (a union of literals, or one literal), else undefined. */
export function literalChoices(schema: TSchema): string[] | undefined {
  const s = schema as { anyOf?: { const: string }[]; const?: string }
  if (Array.isArray(s.anyOf)) return s.anyOf.map((v) => v.const)
  if (typeof s.const === 'string') return [s.const]
  return undefined
}

/** True when `schema` is a port string key (accepts a JSON integer too, stored as its string). */
export function isPortKey(schema: TSchema): boolean {
  return (schema as { pattern?: string }).pattern === PORT_PATTERN
}
