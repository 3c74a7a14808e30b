// dnsplane dashboard: plain browser JS, no build step, no external requests.
// Live data over the WebSocket (/stats/dashboard/ws); falls back to polling the HTTP endpoints every 2 s.
// All server data is written with textContent (never innerHTML), so names from DNS traffic cannot inject markup.
'use strict'
;(function () {
  const BASE = '/stats/dashboard'
  const TOKEN_KEY = 'dnsplane.apiToken'
  const POLL_MS = 2000
  const WS_RETRY_MIN_MS = 2000
  const WS_RETRY_MAX_MS = 30000
  const VIEWS = ['status', 'statistics', 'log', 'records', 'cluster']

  const state = {
    view: 'status',
    data: null,
    dataJson: '',
    res: null,
    resJson: '',
    ws: null,
    wsOpen: false,
    wsRetryMs: WS_RETRY_MIN_MS,
    wsRetryTimer: 0,
    pollTimer: 0,
    needLogin: false,
    access: 'admin', // 'admin' or 'viewer' (api_viewer_token), from /session
    filters: { client: '', type: '', name: '' },
    chart: null,
  }

  const $ = (id) => document.getElementById(id)

  // ---------- token ----------
  function getToken() {
    try { return sessionStorage.getItem(TOKEN_KEY) || '' } catch (_) { return '' }
  }
  function setToken(t) {
    try {
      if (t) sessionStorage.setItem(TOKEN_KEY, t)
      else sessionStorage.removeItem(TOKEN_KEY)
    } catch (_) { /* storage disabled: token lives only until reload */ }
    $('logout').hidden = !t
  }

  function authHeaders() {
    const t = getToken()
    return t ? { Authorization: 'Bearer ' + t } : {}
  }

  class AuthError extends Error {}

  async function fetchText(path, init) {
    const res = await fetch(BASE + path, Object.assign({ cache: 'no-store' }, init || {}, {
      headers: Object.assign({ Accept: 'application/json' }, authHeaders()),
    }))
    if (res.status === 401) throw new AuthError('unauthorized')
    if (!res.ok) throw new Error(path + ': HTTP ' + res.status)
    return res.text()
  }

  // ---------- login ----------
  function showLogin(message) {
    state.needLogin = true
    stopPolling()
    closeWs()
    setMode('none')
    $('login-view').hidden = false
    for (const v of VIEWS) $('view-' + v).hidden = true
    const err = $('login-error')
    err.textContent = message || ''
    err.hidden = !message
    $('login-token').focus()
  }

  function hideLogin() {
    state.needLogin = false
    $('login-view').hidden = true
    showView(state.view)
  }

  // ---------- helpers ----------
  function el(tag, attrs, children) {
    const e = document.createElement(tag)
    if (attrs) {
      for (const k of Object.keys(attrs)) {
        const v = attrs[k]
        if (v === undefined || v === null || v === false) continue
        if (k === 'class') e.className = v
        else if (k === 'text') e.textContent = String(v)
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v)
        else e.setAttribute(k, String(v))
      }
    }
    for (const c of children || []) if (c !== null && c !== undefined) e.append(c)
    return e
  }

  function replace(node, children) {
    node.replaceChildren.apply(node, children)
  }

  function dl(node, pairs) {
    const out = []
    for (const [k, v, cls] of pairs) {
      out.push(el('dt', { text: k }))
      out.push(el('dd', { text: v === undefined || v === null || v === '' ? '—' : v, class: cls }))
    }
    replace(node, out)
  }

  const fmtNum = (n) => (typeof n === 'number' && isFinite(n) ? n.toLocaleString('en-US') : '—')
  const fmtFixed = (n, d) => (typeof n === 'number' && isFinite(n) ? n.toFixed(d) : '—')
  const fmtPct = (r) => (typeof r === 'number' && isFinite(r) ? (r * 100).toFixed(1) + ' %' : '—')
  const yesNo = (b) => (b ? 'yes' : 'no')

  function fmtDuration(sec) {
    if (typeof sec !== 'number' || !isFinite(sec) || sec < 0) return '—'
    sec = Math.floor(sec)
    const d = Math.floor(sec / 86400), h = Math.floor((sec % 86400) / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60
    if (d > 0) return d + 'd ' + h + 'h ' + m + 'm'
    if (h > 0) return h + 'h ' + m + 'm ' + s + 's'
    if (m > 0) return m + 'm ' + s + 's'
    return s + 's'
  }

  function fmtTime(iso) {
    const t = Date.parse(iso)
    if (!isFinite(t)) return iso || '—'
    return new Date(t).toLocaleTimeString()
  }

  /** The server's clock now, from its own start time and uptime (browser clocks may be skewed). */
  function serverNowMs(d) {
    const start = Date.parse(d && d.summary ? d.summary.server_start : '')
    if (!isFinite(start)) return Date.now()
    return start + (d.summary.uptime_seconds || 0) * 1000
  }

  // ---------- cluster health (rules in cluster.js) ----------
  function clusterHealth(d) {
    const c = d && d.cluster
    if (!c || !c.enabled) return { enabled: false, stale: [], verdict: 'disabled', peers: [] }
    const j = window.dnsplaneCluster.judge(c, serverNowMs(d), d.summary ? d.summary.uptime_seconds || 0 : 0)
    return { enabled: true, stale: j.stale, verdict: j.verdict, peers: j.peers, judged: j }
  }

  // ---------- rendering ----------
  function tile(label, value, variant) {
    return el('div', { class: 'tile ' + (variant || 'neutral') }, [
      el('div', { class: 'label', text: label }),
      el('div', { class: 'value', text: value === undefined || value === null || value === '' ? '—' : value }),
    ])
  }

  function renderStatus(d) {
    const s = d.status || {}
    const l = s.listeners || {}
    const okBad = (b) => (b ? 'ok' : 'bad')
    replace($('status-core'), [
      tile('Ready', yesNo(s.ready), okBad(s.ready)),
      tile('API', s.api_up ? 'up' : 'down', okBad(s.api_up)),
      tile('DNS', s.dns_up ? 'up' : 'down', okBad(s.dns_up)),
      tile('DNS port', l.dns_port),
      tile('API port', l.api_port),
      tile('API enabled', yesNo(l.api_enabled), l.api_enabled ? 'ok' : 'neutral'),
      tile('Client socket', l.client_socket),
      tile('Client TCP', l.client_tcp),
    ])
    replace($('status-features'), (s.features || []).map((f) => {
      const t = tile(f.label, f.value, f.variant)
      t.dataset.feature = f.key
      return t
    }))
  }

  function renderStatistics(d) {
    const r = d.per_sec_rates || {}
    $('rates-window').textContent = r.window_seconds ? '(' + r.window_seconds + ' s average)' : ''
    dl($('stats-rates'), [
      ['Resolutions/s', fmtFixed(r.resolutions_per_sec, 1)],
      ['Local/s', fmtFixed(r.local_per_sec, 1)],
      ['Cache/s', fmtFixed(r.cache_per_sec, 1)],
      ['Upstream/s', fmtFixed(r.upstream_per_sec, 1)],
      ['Blocked/s', fmtFixed(r.blocked_per_sec, 1)],
      ['No answer/s', fmtFixed(r.none_per_sec, 1)],
    ])
    const c = d.counters || {}
    const sm = d.summary || {}
    const up = sm.upstream || {}
    dl($('stats-server'), [
      ['Uptime', fmtDuration(sm.uptime_seconds)],
      ['Version', d.build ? d.build.version : ''],
      ['Total queries', fmtNum(c.total_queries)],
      ['Answered', fmtNum(c.total_queries_answered)],
      ['Forwarded', fmtNum(c.total_queries_forwarded)],
    ])
    const ci = d.cache_info || {}
    dl($('stats-cache'), [
      ['Hits', fmtNum(c.total_cache_hits)],
      ['Hit ratio', sm.cache_hit_ratio === null ? '—' : fmtPct(sm.cache_hit_ratio)],
      ['Entries', fmtNum(ci.entries_count)],
      ['Next compaction', ci.compact_enabled ? fmtTime(ci.next_compact_rfc3339) : 'off'],
    ])
    const p = d.perf || {}
    dl($('stats-perf'), [
      ['Avg resolve ms', fmtFixed(p.avg_total_ms, 2)],
      ['Max resolve ms', fmtFixed(p.max_total_ms, 2)],
      ['Samples', fmtNum(p.total)],
      ['Local', fmtNum(p.outcome_local)],
      ['Cache', fmtNum(p.outcome_cache)],
      ['Upstream', fmtNum(p.outcome_upstream)],
      ['None', fmtNum(p.outcome_none)],
      ['Updates', fmtNum(p.outcome_update ?? 0)],
    ])
    dl($('stats-upstream'), [
      ['Healthy / configured', fmtNum(up.healthy) + ' / ' + fmtNum(up.configured_rows), up.unhealthy > 0 ? 'warn-text' : ''],
      ['Active', fmtNum(up.active)],
      ['Unhealthy', fmtNum(up.unhealthy), up.unhealthy > 0 ? 'bad-text' : ''],
      ['Health checks', up.checks_enabled ? 'on' : 'off'],
    ])
    dl($('stats-adblock'), [
      ['Block rate', fmtPct(sm.block_rate)],
      ['Total blocked', fmtNum(sm.total_blocks)],
    ])
    // what the abuse limits did (docs/abuse-resistance.md); the card is hidden while no limit is set
    const lim = d.dns_limits
    $('limits-card').hidden = !lim
    if (lim) dl($('stats-limits'), [
      ['Refused (rate)', fmtNum(lim.refused_rate), lim.refused_rate > 0 ? 'warn-text' : ''],
      ['Refused (window)', fmtNum(lim.refused_window), lim.refused_window > 0 ? 'warn-text' : ''],
      ['RRL dropped', fmtNum(lim.rrl_dropped), lim.rrl_dropped > 0 ? 'warn-text' : ''],
      ['RRL slipped (TC)', fmtNum(lim.rrl_slipped)],
      ['Truncated (amplification)', fmtNum(lim.amplification_truncated)],
      ['Clients forgotten', fmtNum(lim.evictions), lim.evictions > 0 ? 'warn-text' : ''],
    ])
    renderClusterCard(d)
    renderChart(d.series || [])
    replace($('recent-body'), (d.log || []).slice(0, 10).map((e) => el('tr', null, [
      el('td', { text: fmtTime(e.at) }), el('td', { text: e.client_ip || '' }), el('td', { text: e.qname }),
      el('td', { text: e.qtype }), el('td', { text: e.outcome, class: 'outcome-' + e.outcome }), el('td', { text: fmtFixed(e.duration_ms, 2) }),
    ])))
  }

  function renderClusterCard(d) {
    const card = $('cluster-card')
    const body = $('cluster-card-body')
    const c = d.cluster
    card.hidden = !c
    if (!c) return
    if (!c.enabled) { replace(body, [el('p', { class: 'muted', text: 'Cluster is disabled.' })]); return }
    const peers = c.peers || []
    const reachable = peers.filter((p) => p.reachable).length
    const h = clusterHealth(d)
    const cls = h.verdict === 'out_of_sync' ? 'bad-text' : h.verdict === 'catching_up' ? 'warn-text' : 'ok-text'
    replace(body, [
      el('p', { text: 'Node ' + c.node_id + ' · peers reachable ' + reachable + ' / ' + peers.length }),
      el('p', { class: cls, text: h.stale.length ? h.stale.length + ' peer(s) out of sync' : h.verdict === 'catching_up' ? 'catching up' : 'in sync' }),
    ])
  }

  function renderChart(series) {
    const box = $('chart')
    if (typeof window.uPlot !== 'function') { $('chart-missing').hidden = false; return }
    const xs = series.map((p) => p.t)
    const replies = series.map((p) => p.replies)
    const avg = series.map((p) => p.avg_ms)
    const data = [xs, replies, avg]
    const width = Math.max(300, box.clientWidth || 600)
    if (!state.chart) {
      const axisStroke = '#8a93a3'
      const grid = { stroke: '#2a303b', width: 1 }
      state.chart = new window.uPlot({
        width: width,
        height: 260,
        series: [
          {},
          { label: 'Replies/min', stroke: '#5fa8f5', width: 2, scale: 'n' },
          { label: 'Avg ms', stroke: '#e0b341', width: 2, scale: 'ms', value: (u, v) => (v === null ? '—' : v.toFixed(2)) },
        ],
        axes: [
          { stroke: axisStroke, grid: grid },
          { scale: 'n', stroke: axisStroke, grid: grid },
          { scale: 'ms', side: 1, stroke: axisStroke, grid: { show: false } },
        ],
      }, data, box)
      window.addEventListener('resize', () => {
        if (state.chart) state.chart.setSize({ width: Math.max(300, box.clientWidth || 600), height: 260 })
      })
    } else {
      state.chart.setData(data)
    }
  }

  function renderCluster(d) {
    const panel = $('cluster-panel')
    const c = d.cluster
    const h = clusterHealth(d)
    const alert = $('cluster-alert')
    alert.hidden = h.stale.length === 0
    alert.textContent = h.stale.length ? 'Cluster out of sync: ' + h.stale.join(', ') : ''
    $('nav-cluster-dot').hidden = h.stale.length === 0

    if (!c) { panel.dataset.state = 'absent'; replace(panel, [el('p', { class: 'muted', text: 'Cluster status not available.' })]); return }
    if (!c.enabled) { panel.dataset.state = 'disabled'; replace(panel, [el('p', { text: 'Cluster is disabled.' })]); return }
    panel.dataset.state = h.stale.length ? 'stale' : 'ok'
    window.dnsplaneCluster.render(panel, d, c, h.judged, { el: el, replace: replace, fmtNum: fmtNum, fmtDuration: fmtDuration, fmtTime: fmtTime })
  }

  function filteredLog() {
    const list = state.res ? state.res.resolutions : (state.data ? state.data.log : [])
    const f = state.filters
    const type = f.type.trim().toUpperCase()
    const name = f.name.trim().toLowerCase()
    const client = f.client.trim()
    return (list || []).filter((e) =>
      (!client || (e.client_ip || '').indexOf(client) !== -1) &&
      (!type || (e.qtype || '').toUpperCase() === type) &&
      (!name || (e.qname || '').toLowerCase().indexOf(name) !== -1))
  }

  function setFilter(key, value) {
    state.filters[key] = value
    $('filter-' + key).value = value
    renderLog()
  }

  function renderLog() {
    const f = state.filters
    replace($('filter-chips'), ['client', 'type', 'name'].filter((k) => f[k]).map((k) =>
      el('span', { class: 'chip', title: 'Remove filter', 'data-filter': k, text: k + ': ' + f[k] + ' ×', onclick: () => setFilter(k, '') })))
    const rows = filteredLog()
    const total = state.res ? state.res.count : rows.length
    $('log-meta').textContent = rows.length + ' shown · ' + total + ' in log' + (state.res ? ' (cap ' + state.res.cap + ')' : '')
    replace($('log-body'), rows.slice(0, 1000).map((e) => el('tr', null, [
      el('td', { text: fmtTime(e.at), title: e.at }),
      el('td', { class: 'filterable', text: e.client_ip || '', onclick: () => setFilter('client', e.client_ip || '') }),
      el('td', { class: 'filterable', text: e.qname, onclick: () => setFilter('name', e.qname) }),
      el('td', { class: 'filterable', text: e.qtype, onclick: () => setFilter('type', e.qtype) }),
      el('td', { text: e.outcome, class: 'outcome-' + e.outcome }),
      el('td', { text: e.rcode || '' }),
      el('td', { text: e.upstream || '' }),
      el('td', { text: e.record || '' }),
      el('td', { text: fmtFixed(e.duration_ms, 2) }),
    ])))
  }

  function renderData() {
    const d = state.data
    if (!d) return
    $('build-version').textContent = d.build && d.build.version ? 'v' + d.build.version : ''
    renderCluster(d) // also drives the global red banner, whatever the view
    if (state.view === 'status') renderStatus(d)
    else if (state.view === 'statistics') renderStatistics(d)
    else if (state.view === 'log' && !state.res) renderLog()
  }

  // ---------- data intake (re-render only on change) ----------
  function takeData(json, obj) {
    if (json === state.dataJson) return
    state.dataJson = json
    state.data = obj || JSON.parse(json)
    renderData()
  }

  function takeResolutions(json, obj) {
    if (json === state.resJson) return
    state.resJson = json
    state.res = obj || JSON.parse(json)
    if (state.view === 'log') renderLog()
  }

  function showError(msg) {
    const b = $('error-banner')
    b.textContent = msg || ''
    b.hidden = !msg
  }

  // ---------- polling fallback ----------
  async function pollOnce() {
    try {
      takeData(await fetchText('/data'))
      if (state.view === 'log') takeResolutions(await fetchText('/resolutions'))
      showError('')
    } catch (err) {
      if (err instanceof AuthError) { showLogin(getToken() ? 'The token was not accepted.' : ''); return }
      showError('Cannot reach the server: ' + err.message)
    }
  }

  function startPolling() {
    if (state.pollTimer || state.needLogin) return
    setMode('poll')
    pollOnce()
    state.pollTimer = setInterval(pollOnce, POLL_MS)
  }

  function stopPolling() {
    if (state.pollTimer) clearInterval(state.pollTimer)
    state.pollTimer = 0
  }

  function setMode(mode) {
    const m = $('updates-mode')
    m.dataset.mode = mode
    m.textContent = mode === 'ws' ? 'Updates: WS' : mode === 'poll' ? 'Updates: 2s' : 'Updates: –'
  }

  // ---------- WebSocket ----------
  function subscription() {
    return JSON.stringify({ op: 'sub', stats: true, resolutions: state.view === 'log', perf: false })
  }

  function openWs() {
    if (state.ws || state.needLogin || typeof WebSocket !== 'function') return
    const t = getToken()
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + BASE + '/ws' +
      (t ? '?access_token=' + encodeURIComponent(t) : '')
    let ws
    try { ws = new WebSocket(url) } catch (_) { startPolling(); scheduleWs(); return }
    state.ws = ws
    ws.onopen = () => {
      state.wsOpen = true
      state.wsRetryMs = WS_RETRY_MIN_MS
      stopPolling()
      setMode('ws')
      showError('')
      ws.send(subscription())
    }
    ws.onmessage = (ev) => {
      let msg
      try { msg = JSON.parse(ev.data) } catch (_) { return }
      if (!msg || msg.v !== 1) return
      if (msg.dashboard) takeData(JSON.stringify(msg.dashboard), msg.dashboard)
      if (msg.resolutions) takeResolutions(JSON.stringify(msg.resolutions), msg.resolutions)
    }
    ws.onclose = () => {
      const wasOpen = state.wsOpen
      state.ws = null
      state.wsOpen = false
      if (state.needLogin) return
      startPolling() // also detects a 401 and shows the login form
      scheduleWs(wasOpen)
    }
    ws.onerror = () => { /* onclose follows and handles it */ }
  }

  function scheduleWs(reset) {
    if (state.wsRetryTimer) return
    if (reset) state.wsRetryMs = WS_RETRY_MIN_MS
    const wait = state.wsRetryMs
    state.wsRetryMs = Math.min(WS_RETRY_MAX_MS, state.wsRetryMs * 2)
    state.wsRetryTimer = setTimeout(() => { state.wsRetryTimer = 0; openWs() }, wait)
  }

  function closeWs() {
    if (state.wsRetryTimer) clearTimeout(state.wsRetryTimer)
    state.wsRetryTimer = 0
    const ws = state.ws
    state.ws = null
    state.wsOpen = false
    if (ws) { ws.onclose = null; ws.close() }
  }

  /** Asks what the token may do; a viewer gets no write controls (the server refuses its writes anyway). */
  async function loadSession() {
    try {
      state.access = JSON.parse(await fetchText('/session')).access === 'viewer' ? 'viewer' : 'admin'
    } catch (_) {
      state.access = 'admin' // older server or an error: controls stay, the server still decides
    }
    $('purge-log').hidden = state.access !== 'admin'
    if (state.view === 'records') window.dnsplaneRecords.render()
  }

  function start() {
    loadSession()
    stopPolling()
    closeWs()
    if (typeof WebSocket === 'function') { setMode('poll'); pollOnce(); openWs() } else startPolling()
  }

  // ---------- views ----------
  function showView(view) {
    if (VIEWS.indexOf(view) === -1) view = 'status'
    state.view = view
    for (const v of VIEWS) $('view-' + v).hidden = state.needLogin || v !== view
    for (const b of document.querySelectorAll('.nav-item')) b.classList.toggle('active', b.dataset.view === view)
    if (location.hash !== '#' + view) history.replaceState(null, '', '#' + view)
    if (view !== 'log') { state.res = null; state.resJson = '' }
    if (state.ws && state.wsOpen) state.ws.send(subscription())
    else if (view === 'log' && state.pollTimer) pollOnce()
    if (view === 'statistics' && state.chart) state.chart = destroyChart(state.chart)
    renderData()
    if (view === 'log') renderLog()
    if (view === 'records' && !state.needLogin) window.dnsplaneRecords.show()
  }

  function destroyChart(chart) {
    chart.destroy()
    return null // recreated at the visible size by renderChart
  }

  // ---------- wiring ----------
  function init() {
    for (const b of document.querySelectorAll('.nav-item')) b.addEventListener('click', () => showView(b.dataset.view))
    for (const k of ['client', 'type', 'name']) {
      $('filter-' + k).addEventListener('input', (ev) => { state.filters[k] = ev.target.value; renderLog() })
    }
    $('purge-log').addEventListener('click', async () => {
      if (!confirm('Purge the resolution log?')) return
      try {
        await fetchText('/resolutions/purge', { method: 'POST' })
        state.resJson = ''
        if (!state.wsOpen) pollOnce()
      } catch (err) {
        if (err instanceof AuthError) showLogin('The token was not accepted.')
        else showError('Purge failed: ' + err.message)
      }
    })
    $('login-form').addEventListener('submit', (ev) => {
      ev.preventDefault()
      setToken($('login-token').value.trim())
      $('login-token').value = ''
      hideLogin()
      start()
    })
    $('logout').addEventListener('click', () => { setToken(''); showLogin('') })
    $('logout').hidden = !getToken()
    window.dnsplaneRecords.init({
      el: el, replace: replace, authHeaders: authHeaders,
      access: () => state.access,
      onUnauthorized: () => showLogin(getToken() ? 'The token was not accepted.' : ''),
    })
    const fromHash = location.hash.replace(/^#/, '')
    showView(VIEWS.indexOf(fromHash) !== -1 ? fromHash : 'status')
    start()
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init)
  else init()
})()
