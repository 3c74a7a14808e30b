import t from 'tap'
import { Value } from '@sinclair/typebox/value'
import { CONFIG_KEYS, KEY_BY_PATH, MAX_TIMER_SECONDS, OUR_KEYS, REFUSED_KEYS, SECRET_KEYS, UNIMPLEMENTED_KEYS, describeExpected } from '../../src/config/schema.js'
import { MAX_TIMER_DELAY_MS } from '../../src/timers.js'
import { Type } from '@sinclair/typebox'

t.test('every key has a description, a group and a default its own schema accepts', async (t) => {
  for (const k of CONFIG_KEYS) {
    t.ok(k.description.length > 5, `${k.key} description`)
    t.ok(k.group, `${k.key} group`)
    t.ok(Value.Check(k.schema, k.default), `${k.key} default ${JSON.stringify(k.default)}`)
  }
})

t.test('holds every cluster key of the original plus ours', async (t) => {
  const cluster = CONFIG_KEYS.map((k) => k.key).filter((k) => k.startsWith('cluster_'))
  t.same(cluster.filter((k) => !OUR_KEYS.has(k)).sort(), [
    'cluster_admin', 'cluster_admin_token', 'cluster_advertise_addr', 'cluster_allowed_writer_node_ids',
    'cluster_auth_token', 'cluster_discovery_interval_seconds', 'cluster_discovery_srv', 'cluster_enabled',
    'cluster_listen_addr', 'cluster_node_id', 'cluster_peers', 'cluster_reject_local_writes',
    'cluster_replica_only', 'cluster_sync_interval_seconds', 'cluster_sync_policy',
  ])
  for (const k of cluster) t.notOk(UNIMPLEMENTED_KEYS.has(k), `${k} is implemented`)
})

const implemented = [
  'port', 'dns_bind', 'timeout', 'fallback_server_ip', 'fallback_server_port', 'fallback_server_transport',
  'local_records_enabled', 'cache_records', 'min_cache_ttl_seconds', 'stale_while_revalidate',
  'cache_compact_enabled', 'cache_compact_interval_seconds', 'api', 'apiport', 'api_bind', 'api_auth_token',
  'server_socket', 'stats_dashboard_enabled', 'dashboard_resolution_log_cap', 'file_locations.dnsservers',
  'file_locations.cache', 'file_locations.records_source.type', 'file_locations.records_source.location',
  'file_locations.records_source.refresh_interval_seconds', 'file_locations.records_source.include_pattern',
  'file_locations.records_source.named_conf', 'file_locations.records_source.watch',
  'DNSRecordSettings.auto_build_ptr_from_a', 'DNSRecordSettings.forward_ptr_queries',
  'DNSRecordSettings.add_updates_records', 'log.log_dir', 'log.log_severity', 'pretty_json', 'dns_refuse_any',
  'dns_max_edns_udp_payload', 'upstream_health_check_enabled', 'upstream_health_check_failures',
  'upstream_health_check_interval_seconds', 'upstream_health_check_query_name', 'cluster_ready_requires_sync',
  'dns_tcp_max_connections', 'dns_tcp_idle_timeout_seconds', 'dns_tcp_max_connections_per_client',
  'records_mass_delete_guard_percent', 'records_flush_delay_ms', 'records_bulk_max_bytes',
  'api_allow_unauthenticated_remote',
  'strict_config',
  'dns_minimal_any', 'dns_chaos_identity', 'dns_chaos_version',
  'api_viewer_token',
  'log.log_rotation', 'log.log_rotation_size_mb', 'log.log_rotation_time_days',
  'dot_enabled', 'dot_bind', 'dot_port', 'dot_cert_file', 'dot_key_file',
  'doh_enabled', 'doh_bind', 'doh_port', 'doh_path', 'doh_cert_file', 'doh_key_file',
  'axfr_enabled', 'axfr_allowed_networks', 'zone_also_notify', 'ixfr_history_max_diffs', 'ixfr_history_max_bytes',
  'tsig_keys', 'update_allowed_networks',
  'dns_rate_limit_rps', 'dns_rate_limit_burst', 'dns_amplification_max_ratio', 'dns_response_limit_mode',
  'dns_sliding_window_seconds', 'dns_max_responses_per_ip_window', 'dns_rrl_max_per_bucket', 'dns_rrl_window_seconds',
  'dns_rrl_slip', 'api_tls_cert', 'api_tls_key', 'api_rate_limit_rps', 'api_rate_limit_burst',
  'adblock_list_files',
  'pprof_enabled', 'pprof_listen', 'cache_warm_enabled', 'cache_warm_interval_seconds',
  'dnssec_validate', 'dnssec_validate_strict', 'dnssec_trust_anchor_file',
  'dnssec_sign_enabled', 'dnssec_sign_zone', 'dnssec_sign_key_file', 'dnssec_sign_private_key_file',
  'dnssec_key_share_plain',
]
t.test('marks exactly the implemented keys as implemented', async (t) => {
  for (const k of implemented) t.ok(KEY_BY_PATH.has(k), `${k} exists`)
  const notCluster = CONFIG_KEYS.filter((k) => !k.key.startsWith('cluster_') && k.implemented)
  t.same(notCluster.map((k) => k.key).sort(), implemented.filter((k) => !k.startsWith('cluster_')).sort())
})

t.test('the keys refused by design are neither implemented nor warned about, and each has a reason', async (t) => {
  t.same([...REFUSED_KEYS.keys()].sort(), ['full_stats', 'full_stats_dir', 'server_tcp'])
  for (const [k, reason] of REFUSED_KEYS) {
    t.notOk(UNIMPLEMENTED_KEYS.has(k), `${k} is not in the warned list`)
    t.notOk(KEY_BY_PATH.get(k)!.implemented)
    t.ok(reason.length > 20, `${k} has a reason`)
  }
})

t.test('every duration key that drives a timer is bounded below the 32-bit timer limit', async (t) => {
  t.ok(MAX_TIMER_SECONDS * 1000 <= MAX_TIMER_DELAY_MS)
  // TTLs (min_cache_ttl_seconds, cluster_tombstone_ttl_seconds) are compared with clocks, never armed as timers.
  const timerKeys = CONFIG_KEYS.filter((k) => /(_seconds|_days)$/.test(k.key) && !/_ttl_/.test(k.key))
  t.ok(timerKeys.length >= 9, `found ${timerKeys.map((k) => k.key).join(', ')}`)
  for (const k of timerKeys) {
    const max = (k.schema as { maximum?: number }).maximum
    t.ok(max !== undefined && max <= MAX_TIMER_SECONDS, `${k.key} maximum ${max} <= ${MAX_TIMER_SECONDS}`)
  }
})

t.test('secrets are exactly the four tokens and the TSIG keys', async (t) => {
  t.same([...SECRET_KEYS].sort(), ['api_auth_token', 'api_viewer_token', 'cluster_admin_token', 'cluster_auth_token', 'tsig_keys'])
})

const forms: [Parameters<typeof describeExpected>[0], string][] = [
  [Type.Boolean(), 'must be a boolean (true or false)'],
  [Type.Integer({ minimum: 0, maximum: 2_147_483_647 }), 'must be an integer >= 0'],
  [Type.Integer({ minimum: 1, maximum: 10 }), 'must be an integer between 1 and 10'],
  [Type.Number({ minimum: 0, maximum: 1 }), 'must be a number between 0 and 1'],
  [Type.String(), 'must be a string'],
  [Type.Union([Type.Literal('a'), Type.Literal('b')]), 'must be one of a|b'],
  [Type.Literal('file'), 'must be one of file'],
]
for (const [schema, want] of forms) {
  t.test(`describeExpected: ${want}`, async (t) => t.equal(describeExpected(schema), want))
}
