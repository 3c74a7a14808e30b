// dnsplane dashboard: the Records view. Lists, searches and pages the local records and adds, edits and
// deletes them through the REST API (/dns/records) with the page's token. A viewer token (read-only)
// sees the list without write controls; the server answers 403 to any write it still sends.
// Loaded before app.js, which calls window.dnsplaneRecords.init(helpers) once and show() on each visit.
'use strict'
;(function (root) {
  const PAGE_SIZE = 25
  const SEARCH_DEBOUNCE_MS = 250

  const st = { list: [], page: 0, query: '', type: '', editing: null, timer: 0, h: null }
  const $ = (id) => document.getElementById(id)

  /** Calls the REST API; resolves the parsed body, rejects with the server's message. */
  async function api(method, path, body) {
    const headers = Object.assign({ Accept: 'application/json' }, st.h.authHeaders())
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    const res = await fetch(path, { method: method, cache: 'no-store', headers: headers, body: body === undefined ? undefined : JSON.stringify(body) })
    let data = null
    try { data = await res.json() } catch (_) { /* empty or non-JSON body: status says enough */ }
    if (res.status === 401) { st.h.onUnauthorized(); throw new Error('unauthorized') }
    if (!res.ok) throw new Error(messageOf(data) || 'HTTP ' + res.status)
    return data
  }

  function messageOf(data) {
    if (!data || data.error === undefined) return ''
    const e = data.error
    if (typeof e === 'string') return data.messages && data.messages.length ? e + ': ' + data.messages.join('; ') : e
    return e.message || ''
  }

  function canWrite() { return st.h.access() === 'admin' }

  function setStatus(text, bad) {
    const s = $('records-status')
    s.textContent = text || ''
    s.className = bad ? 'bad-text' : 'muted'
  }

  async function load() {
    const q = []
    if (st.query) q.push('name=' + encodeURIComponent(st.query))
    if (st.type) q.push('type=' + encodeURIComponent(st.type))
    try {
      const data = await api('GET', '/dns/records' + (q.length ? '?' + q.join('&') : ''))
      st.list = (data && data.records) || []
      const pages = Math.max(1, Math.ceil(st.list.length / PAGE_SIZE))
      if (st.page >= pages) st.page = pages - 1
      if ($('records-status').className === 'bad-text') setStatus('') // an earlier failure is over
      render()
    } catch (err) {
      setStatus('Cannot list records: ' + err.message, true)
    }
  }

  function render() {
    const el = st.h.el
    const write = canWrite()
    $('record-form').hidden = !write
    $('records-readonly').hidden = write
    const from = st.page * PAGE_SIZE
    const rows = st.list.slice(from, from + PAGE_SIZE).map((r) => el('tr', { 'data-record': r.name + ' ' + r.type + ' ' + r.value }, [
      el('td', { 'data-field': 'name', text: r.name }),
      el('td', { 'data-field': 'type', text: r.type }),
      el('td', { 'data-field': 'value', class: 'wrap', text: r.value }),
      el('td', { 'data-field': 'ttl', text: r.ttl }),
      el('td', { class: 'actions' }, write ? [
        el('button', { type: 'button', class: 'edit', text: 'Edit', onclick: () => startEdit(r) }),
        el('button', { type: 'button', class: 'danger delete', text: 'Delete', onclick: () => askDelete(r) }),
      ] : []),
    ]))
    st.h.replace($('records-body'), rows)
    const total = st.list.length
    $('records-page').textContent = total === 0 ? 'No records' : (from + 1) + '–' + Math.min(total, from + PAGE_SIZE) + ' of ' + total
    $('records-prev').disabled = st.page === 0
    $('records-next').disabled = from + PAGE_SIZE >= total
  }

  function formValue() {
    const ttl = $('record-ttl').value.trim()
    const out = { name: $('record-name').value.trim(), type: $('record-type').value.trim().toUpperCase(), value: $('record-value').value.trim() }
    if (ttl !== '') out.ttl = Number(ttl)
    return out
  }

  function startEdit(r) {
    st.editing = r
    $('record-name').value = r.name
    $('record-type').value = r.type
    $('record-value').value = r.value
    $('record-ttl').value = r.ttl === undefined ? '' : String(r.ttl)
    $('record-submit').textContent = 'Save'
    $('record-cancel').hidden = false
    $('record-name').focus()
  }

  function resetForm() {
    st.editing = null
    $('record-form').reset()
    $('record-submit').textContent = 'Add record'
    $('record-cancel').hidden = true
  }

  async function submit(ev) {
    ev.preventDefault()
    const body = formValue()
    const old = st.editing
    try {
      if (old && old.id) {
        await api('PUT', '/dns/records', Object.assign({ id: old.id }, body))
      } else if (old) {
        // A record without an id: replace it by removing the old one and adding the new one.
        await api('DELETE', '/dns/records', { name: old.name, type: old.type, value: old.value })
        await api('POST', '/dns/records', body)
      } else {
        await api('POST', '/dns/records', body)
      }
      setStatus((old ? 'Updated ' : 'Added ') + body.name + ' ' + body.type)
      resetForm()
      await load()
    } catch (err) {
      setStatus((old ? 'Update' : 'Add') + ' failed: ' + err.message, true)
    }
  }

  function askDelete(r) {
    st.pendingDelete = r
    $('confirm-text').textContent = 'Delete ' + r.name + ' ' + r.type + ' ' + r.value + '?'
    $('confirm-dialog').showModal()
  }

  async function confirmDelete() {
    const r = st.pendingDelete
    $('confirm-dialog').close()
    st.pendingDelete = null
    if (!r) return
    try {
      await api('DELETE', '/dns/records', r.id ? { id: r.id } : { name: r.name, type: r.type, value: r.value })
      setStatus('Deleted ' + r.name + ' ' + r.type)
      await load()
    } catch (err) {
      setStatus('Delete failed: ' + err.message, true)
    }
  }

  /** Wires the view once; `h` gives el, replace, authHeaders, access() and onUnauthorized from app.js. */
  function init(h) {
    st.h = h
    $('records-search').addEventListener('input', (ev) => {
      clearTimeout(st.timer)
      st.timer = setTimeout(() => { st.query = ev.target.value.trim(); st.page = 0; load() }, SEARCH_DEBOUNCE_MS)
    })
    $('records-type-filter').addEventListener('change', (ev) => { st.type = ev.target.value; st.page = 0; load() })
    $('records-prev').addEventListener('click', () => { st.page = Math.max(0, st.page - 1); render() })
    $('records-next').addEventListener('click', () => { st.page += 1; render() })
    $('record-form').addEventListener('submit', submit)
    $('record-cancel').addEventListener('click', resetForm)
    $('confirm-yes').addEventListener('click', confirmDelete)
    $('confirm-no').addEventListener('click', () => { st.pendingDelete = null; $('confirm-dialog').close() })
  }

  root.dnsplaneRecords = { init: init, show: load, render: render, PAGE_SIZE: PAGE_SIZE }
})(window)
