// dnsplane dashboard: the Cluster panel. Plain browser JS, loaded before app.js, which calls
// window.dnsplaneCluster.{judge,render}. judge() is pure (data and the server's clock in, verdicts out)
// so test/dashboard/cluster-view.ts runs it in node:vm without a browser.
'use strict'
;(function (root) {
  // With no periodic sync (cluster_sync_interval_seconds 0) changes are pushed when made: a peer is out of
  // sync when changes for it wait longer than this, or it has been unreachable (no contact) this long.
  const NO_INTERVAL_STALE_SECONDS = 30

  function ageSeconds(iso, nowMs) {
    const t = Date.parse(iso || '')
    return isFinite(t) ? Math.max(0, (nowMs - t) / 1000) : null
  }

  /** Seconds since the most recent contact of any kind (sync, probe, inbound, outbound), or null. */
  function contactAge(p, nowMs) {
    let best = null
    for (const k of ['last_sync_ok', 'last_probe_ok', 'last_inbound_ok', 'last_outbound_ok', 'last_pull_ok']) {
      const a = ageSeconds(p[k], nowMs)
      if (a !== null && (best === null || a < best)) best = a
    }
    return best
  }

  /**
   * The verdict for one peer. `pending` counts queued record_lww entries (plus 1 for a failed push
   * awaiting retry); `behind` is true while anything is queued. `lag` is the real replication lag:
   * the daemon's age of the oldest change not yet delivered to the peer (oldest_pending_seconds), 0
   * when nothing is queued; a daemon too old to report it falls back to the time since the last sync.
   */
  function judgePeer(p, c, nowMs, uptime) {
    const interval = typeof c.sync_interval_seconds === 'number' && c.sync_interval_seconds > 0 ? c.sync_interval_seconds : 0
    const limit = interval > 0 ? 2 * interval : NO_INTERVAL_STALE_SECONDS
    const sinceSync = ageSeconds(p.last_sync_ok, nowMs)
    const pending = (typeof p.pending_entries === 'number' ? p.pending_entries : 0) + (p.pending_push ? 1 : 0)
    const behind = pending > 0
    const pendingAge = typeof p.oldest_pending_seconds === 'number' ? p.oldest_pending_seconds : sinceSync
    const lag = behind ? pendingAge : typeof p.replication_lag_seconds === 'number' ? p.replication_lag_seconds : null
    const reasons = []
    if (behind && (pendingAge === null ? uptime > limit : pendingAge > limit)) reasons.push('changes pending for more than ' + limit + ' s')
    if (interval > 0) {
      if (sinceSync === null ? uptime > limit : sinceSync > limit) reasons.push(sinceSync === null ? 'never synced' : 'no sync for more than ' + limit + ' s')
    } else if (!p.reachable) {
      const contact = contactAge(p, nowMs)
      if (contact === null ? uptime > limit : contact > limit) reasons.push('unreachable for more than ' + limit + ' s')
    }
    return {
      address: p.address,
      stale: reasons.length > 0,
      reason: reasons[0] || '',
      behind: behind,
      pending: pending,
      sinceSync: sinceSync,
      lag: lag,
      // The peer's record count and digest verdict; null when it does not tell (a Go peer).
      records: typeof p.records === 'number' ? p.records : null,
      digestMatch: typeof p.digest_match === 'boolean' ? p.digest_match : null,
      // A probe RTT is only meaningful while the peer answers.
      rtt: p.reachable && typeof p.last_probe_rtt_ms === 'number' ? p.last_probe_rtt_ms : null,
    }
  }

  /** The whole cluster's verdict: 'in_sync', 'catching_up' (queued, not yet stale), 'out_of_sync', 'no_peers'. */
  function judge(c, nowMs, uptime) {
    const peers = (c.peers || []).map((p) => judgePeer(p, c, nowMs, uptime))
    const stale = peers.filter((p) => p.stale).map((p) => p.address)
    const verdict = peers.length === 0 ? 'no_peers' : stale.length ? 'out_of_sync' : peers.some((p) => p.behind) ? 'catching_up' : 'in_sync'
    return { verdict: verdict, stale: stale, peers: peers }
  }

  const VERDICT_TEXT = { in_sync: 'in sync', catching_up: 'catching up', out_of_sync: 'out of sync', no_peers: 'no peers' }
  const VERDICT_CLASS = { in_sync: 'ok', catching_up: 'warn', out_of_sync: 'bad', no_peers: 'neutral' }

  /** Renders the panel into `panel`; `h` carries app.js's DOM and formatting helpers. */
  function render(panel, d, c, j, h) {
    const el = h.el
    const children = []
    if (j.stale.length) children.push(el('div', { class: 'alert bad', id: 'cluster-panel-alert', text: j.stale.length + ' peer(s) out of sync' }))
    const records = c.replica ? c.replica.live : d.records_count
    children.push(el('div', { class: 'cluster-head' }, [
      stat(el, 'Node', c.node_id, 'node'),
      stat(el, 'Policy', c.sync_policy || 'lww_per_node', 'policy'),
      stat(el, 'Records', h.fmtNum(records), 'records'),
      stat(el, 'Peers reachable', (c.peers || []).filter((p) => p.reachable).length + ' / ' + (c.peers || []).length, 'reachable'),
      stat(el, 'Sync interval', c.sync_interval_seconds > 0 ? c.sync_interval_seconds + ' s' : 'on change', 'interval'),
      el('div', { class: 'stat verdict ' + VERDICT_CLASS[j.verdict], 'data-field': 'verdict', 'data-verdict': j.verdict }, [
        el('div', { class: 'label', text: 'State' }), el('div', { class: 'value', text: VERDICT_TEXT[j.verdict] }),
      ]),
    ]))
    children.push(el('div', { class: 'cluster-facts muted' }, facts(el, c, h)))
    if (c.replica && c.replica.clock_skew_exceeded) {
      children.push(el('div', { class: 'alert bad', 'data-field': 'clock-skew', text: 'Peer clock skew ' + c.replica.max_clock_skew_ms + ' ms (over 1 s): check NTP' }))
    }
    const peers = c.peers || []
    if (peers.length === 0) children.push(el('p', { class: 'muted', text: 'No peers configured.' }))
    else children.push(peerTable(el, peers, j, h))
    const rejected = c.snapshots_rejected || {}
    const reasons = Object.keys(rejected).filter((k) => rejected[k] > 0)
    children.push(el('p', { class: 'muted', 'data-field': 'snapshots', text: 'Snapshots applied ' + h.fmtNum(c.snapshots_applied || 0) + ' · rejected ' +
      (reasons.length ? reasons.map((k) => k + ' ' + rejected[k]).join(', ') : 'none') }))
    h.replace(panel, children)
  }

  function stat(el, label, value, field) {
    return el('div', { class: 'stat', 'data-field': field }, [
      el('div', { class: 'label', text: label }), el('div', { class: 'value', text: value === undefined || value === null || value === '' ? '—' : value }),
    ])
  }

  function facts(el, c, h) {
    const out = []
    const add = (field, text, cls) => out.push(el('span', { 'data-field': field, class: cls, text: text }))
    add('seq', 'Local seq ' + h.fmtNum(c.local_seq))
    if (c.last_global_lww_unix && c.last_global_lww_node_id) add('global-lww', 'Global LWW winner ' + c.last_global_lww_node_id + ' at ' + c.last_global_lww_unix)
    if (c.replica) add('replica', 'Replica ' + h.fmtNum(c.replica.tombstones) + ' tombstones · ' + h.fmtNum(c.replica.deltas_applied) + ' deltas applied · ' + h.fmtNum(c.replica.anti_entropy_rounds) + ' anti-entropy rounds')
    if (c.transport && c.transport !== 'tcp') add('transport', 'Transport ' + c.transport.replace('_', ' '))
    if (c.replica_only) add('roles', 'Replica only')
    if (c.cluster_admin) add('admin', 'Cluster admin')
    add('dial', 'Dial ' + (c.advertise_addr || c.cluster_port_guess || '—'))
    if (c.cluster_discovery_srv) {
      add('discovery', 'SRV ' + c.cluster_discovery_srv + ' (' + c.srv_peer_count + ' found, refreshed ' + (c.discovery_last_refresh ? h.fmtTime(c.discovery_last_refresh) : '—') + ')')
      if (c.discovery_last_error) add('discovery-error', 'Discovery error: ' + c.discovery_last_error, 'bad-text')
    }
    return out
  }

  function peerTable(el, peers, j, h) {
    const rows = peers.map((p, i) => {
      const v = j.peers[i]
      const err = p.reachable ? p.last_outbound_error || '' : p.last_probe_error || p.last_outbound_error || ''
      const lag = v.lag === null ? '—' : v.lag === 0 && !v.behind ? 'none' : h.fmtDuration(v.lag)
      // '—': the peer does not say (a Go peer announces no caps); '…': ours, stale after a sync until its next handshake.
      const records = v.records !== null ? h.fmtNum(v.records) + (v.digestMatch === null ? '' : v.digestMatch ? ' ✓' : ' ✗ differs') : p.caps && p.caps.length ? '…' : '—'
      return el('tr', { 'data-peer': p.address, 'data-stale': v.stale ? 'yes' : 'no', class: v.stale ? 'stale' : '', title: v.reason || undefined }, [
        el('td', { 'data-field': 'address', text: p.address }),
        el('td', { 'data-field': 'node_id', text: p.node_id || '—' }),
        el('td', { 'data-field': 'reachable', text: p.reachable ? 'yes' : 'no', class: p.reachable ? 'ok-text' : 'bad-text' }),
        el('td', { 'data-field': 'rtt', text: v.rtt === null ? '—' : v.rtt.toFixed(1) }),
        el('td', { 'data-field': 'last_sync', text: v.sinceSync === null ? 'never' : h.fmtDuration(v.sinceSync) + ' ago', class: v.stale ? 'bad-text' : '' }),
        el('td', { 'data-field': 'lag', text: lag, class: v.behind ? 'warn-text' : '' }),
        el('td', { 'data-field': 'pending', text: v.pending ? h.fmtNum(p.pending_entries || 0) + (p.pending_push ? ' + push retry' : '') : '0' }),
        el('td', { 'data-field': 'records', text: records, class: v.digestMatch === false ? 'warn-text' : '', title: v.digestMatch === false ? 'the peer\'s records differ from ours (at its last handshake)' : undefined }),
        el('td', { 'data-field': 'mode', text: (p.sync_mode || '—') + (typeof p.clock_skew_ms === 'number' ? ' · skew ' + p.clock_skew_ms + ' ms' : '') }),
        el('td', { 'data-field': 'seq', text: typeof p.peer_seq === 'number' ? h.fmtNum(p.peer_seq) : '—' }),
        el('td', { 'data-field': 'error', class: 'bad-text wrap', text: v.reason && !err ? v.reason : err }),
      ])
    })
    const head = ['Peer', 'Node', 'Reachable', 'RTT ms', 'Last sync', 'Lag', 'Pending', 'Records', 'Sync mode', 'Applied seq', 'Last error']
    return el('div', { class: 'table-scroll' }, [el('table', { class: 'table peer-table', id: 'peer-table' }, [
      el('thead', null, [el('tr', null, head.map((t) => el('th', { text: t })))]),
      el('tbody', null, rows),
    ])])
  }

  root.dnsplaneCluster = { judge: judge, render: render, NO_INTERVAL_STALE_SECONDS: NO_INTERVAL_STALE_SECONDS }
})(typeof window !== 'undefined' ? window : globalThis)
