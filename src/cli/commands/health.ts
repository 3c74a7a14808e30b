/**
 * `dnsplane health [--url URL]`: exit 0 when the node's /ready says ready, 1 otherwise.
 * Meant for keepalived track_script and HAProxy external checks: quiet on success, one line on failure.
 */
export interface HealthOptions {
  url: string
  timeoutMs: number
}

export interface HealthResult {
  ok: boolean
  line: string
}

/** Asks `url` (a /ready endpoint) and reports whether it answered 200 within the timeout. */
export async function checkHealth(opts: HealthOptions): Promise<HealthResult> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs)
  try {
    const res = await fetch(opts.url, { signal: controller.signal })
    const body = (await res.text()).slice(0, 4096)
    if (res.status === 200) return { ok: true, line: `ready: ${opts.url}` }
    let reason = `HTTP ${res.status}`
    try {
      const parsed = JSON.parse(body) as { reasons?: string[] }
      if (Array.isArray(parsed.reasons) && parsed.reasons.length > 0) reason += `: ${parsed.reasons.join('; ')}`
    } catch {
      // a non-JSON body: the status code alone is the reason
    }
    return { ok: false, line: `not ready: ${opts.url}: ${reason}` }
  } catch (err) {
    const why = controller.signal.aborted ? `no answer within ${opts.timeoutMs} ms` : (err as Error).message
    return { ok: false, line: `not ready: ${opts.url}: ${why}` }
  } finally {
    clearTimeout(timer)
  }
}
