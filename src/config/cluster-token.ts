/**
 * The one rule for cluster_auth_token: how it is trimmed, which values are refused, and which are
 * only weak. Pure; used by config validation (file, API, TUI), by the receiver of
 * admin_config_apply and by everything in src/cluster that needs the token.
 */

/**
 * Shortest token accepted (after trimming). Refused below this: a token this short is guessed
 * offline from one captured challenge proof in moments. The original accepted any length.
 */
export const MIN_CLUSTER_TOKEN_CHARS = 8

/** Below this length (after trimming) the node warns at start: offline guessing is cheap. */
export const RECOMMENDED_CLUSTER_TOKEN_CHARS = 16

/** Example tokens printed in docs/: a node using one warns at start (everyone reading the docs knows it). */
export const EXAMPLE_CLUSTER_TOKENS: readonly string[] = ['change-me-shared-secret', 'long-random-cluster-secret', 'new-token']

/** The token as every part of dnsplane uses it: surrounding whitespace removed ('' = no token). */
export function clusterToken(raw: string | undefined): string {
  return (raw ?? '').trim()
}

/**
 * Why `raw` may not be stored as cluster_auth_token, or undefined when it may. '' (no token:
 * clustering authenticates nothing) is allowed; a value that is only whitespace, or shorter than
 * MIN_CLUSTER_TOKEN_CHARS after trimming, is refused. The message names neither the value nor its length.
 */
export function clusterTokenProblem(raw: string): string | undefined {
  if (raw === '') return undefined
  const token = clusterToken(raw)
  if (token === '') return 'must not be only whitespace (use "" for no token)'
  if ([...token].length < MIN_CLUSTER_TOKEN_CHARS) return `must be at least ${MIN_CLUSTER_TOKEN_CHARS} characters`
  return undefined
}

/**
 * A warning for an allowed but weak token (shorter than RECOMMENDED_CLUSTER_TOKEN_CHARS, or one of
 * EXAMPLE_CLUSTER_TOKENS), else undefined. Never includes the token.
 */
export function clusterTokenWeakness(raw: string | undefined): string | undefined {
  const token = clusterToken(raw)
  if (token === '') return undefined
  if (EXAMPLE_CLUSTER_TOKENS.includes(token)) return 'cluster_auth_token is an example value from the documentation; set a long random secret'
  if ([...token].length < RECOMMENDED_CLUSTER_TOKEN_CHARS) {
    return `cluster_auth_token is shorter than ${RECOMMENDED_CLUSTER_TOKEN_CHARS} characters; a captured auth proof can be guessed offline`
  }
  return undefined
}
