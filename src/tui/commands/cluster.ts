/** `cluster` context: replication control via /api/v1/cluster (cluster-protocol spec §11, §12). */
import { didYouMean } from '../../suggest.js'
import { clusterStatusBlocks, peerTable, statusJson } from './cluster-view.js'
import { asArray, asNumber, asObject, asString, messagesOf, segment } from './shape.js'
import { UsageError, type CommandOutcome, type CommandSpec, type ContextSpec, type OutputBlock } from './types.js'

const ROLES = ['full', 'readonly'] as const

function parseRole(text: string): 'full' | 'readonly' {
  const r = text.toLowerCase()
  if (r === 'full' || r === 'readonly') return r
  throw new UsageError('role must be full or readonly')
}

function parsePeerAddress(text: string | undefined): string {
  if (text === undefined || text === '') throw new UsageError('expected a peer address host:port')
  if (!/^(\[[^\]]+\]|[^\s:]+):\d{1,5}$/.test(text)) throw new UsageError(`"${text}" is not host:port`)
  return text
}

const status: CommandSpec = {
  name: 'status',
  usage: '',
  summary: 'one summary line (node, policy, records, in sync or not) and one row per peer; --json for the status object',
  details: ['columns: peer, node id, reachable (probe RTT), last sync, pending changes, records/digest match (when the daemon reports them), last error'],
  examples: ['cluster status', 'dnsplane client -c "cluster status" --json'],
  async run(args, env) {
    if (args.length > 0) throw new UsageError('status: takes no arguments (try status ?)')
    const answer = await env.client.request({ method: 'GET', path: '/api/v1/cluster' })
    const raw = statusJson(answer)
    // The record count lives in the node status; without it the summary just leaves it out.
    const node = await env.client.request({ method: 'GET', path: '/api/v1/status' }).catch(() => undefined)
    return { output: clusterStatusBlocks(raw, asNumber(asObject(node).records)), raw }
  },
}

const pull: CommandSpec = {
  name: 'pull',
  aliases: ['sync'],
  usage: '',
  summary: 'pull records from every peer now',
  examples: ['cluster pull'],
  async run(args, env) {
    if (args.length > 0) throw new UsageError('pull takes no arguments')
    const raw = await env.client.request({ method: 'POST', path: '/api/v1/cluster/pull', timeoutMs: 60_000 })
    const results = asArray(asObject(raw).results).map(asObject)
    const out: OutputBlock[] = []
    if (results.length > 0) {
      out.push({
        kind: 'table',
        columns: ['Peer', 'Result', 'Error'],
        rows: results.map((r) => [asString(r.address), r.ok === true ? 'ok' : 'failed', asString(r.error)]),
      })
    }
    const failed = results.filter((r) => r.ok !== true).length
    out.push({ kind: 'text', text: 'cluster: pull triggered', tone: 'success' })
    if (failed > 0) out.push({ kind: 'error', message: `pull failed for ${failed} of ${results.length} peers` })
    return { output: out, raw, ok: failed === 0, effect: 'records-changed' }
  },
}

/** The `cluster join` text block (cluster-protocol spec §12). */
export function joinText(raw: unknown): string {
  const o = asObject(raw)
  return [
    'Join / cluster identity (copy dial address to the full server TUI):',
    `  node_id:           ${asString(o.node_id)}`,
    `  listen_addr:       ${asString(o.listen_addr)}`,
    `  dial_address:      ${asString(o.dial_address)}`,
    `  token_sha256_hex:  ${asString(o.token_sha256_hex)}`,
    '  (Verify token fingerprint matches the peer after setting cluster_auth_token.)',
  ].join('\n')
}

const join: CommandSpec = {
  name: 'join',
  aliases: ['info'],
  usage: '',
  summary: 'show what another node needs to join this one (dial address, token fingerprint)',
  examples: ['cluster join'],
  async run(args, env) {
    if (args.length > 0) throw new UsageError('join takes no arguments')
    const raw = await env.client.request({ method: 'GET', path: '/api/v1/cluster/join' })
    return { output: [{ kind: 'text', text: joinText(raw) }], raw }
  },
}

const PEER_HELP = [
  'peer list                              the peers with reachability, last sync, pending changes and last error',
  'peer add <host:port> [full|readonly]   add to cluster_peers and save (role also set on the remote)',
  'peer remove <host:port>                remove from cluster_peers and save',
  'peer set-role <host:port> full|readonly  set the remote node\'s role (needs cluster_admin there)',
]

function said(raw: unknown, fallback: string): CommandOutcome {
  const msgs = messagesOf(raw)
  const out: OutputBlock[] = (msgs.length > 0 ? msgs : [fallback]).map((m) => ({ kind: 'text', text: m, tone: 'success' }))
  return { output: out, raw }
}

const peer: CommandSpec = {
  name: 'peer',
  usage: 'list|add|remove|set-role [host:port] [full|readonly]',
  summary: 'manage cluster peers',
  details: PEER_HELP,
  examples: ['cluster peer list', 'cluster peer add 10.0.0.2:7946', 'cluster peer add 10.0.0.3:7946 readonly', 'cluster peer set-role 10.0.0.3:7946 full', 'cluster peer remove 10.0.0.2:7946'],
  subcommands: ['list', 'add', 'remove', 'set-role'],
  pageable: true,
  argCompletion: 'roles',
  async run(args, env) {
    if (args.length === 0) return { output: [{ kind: 'text', text: PEER_HELP.join('\n') }] }
    const [sub, addrText, roleText, ...extra] = args
    if (extra.length > 0) throw new UsageError('too many arguments')
    switch (sub) {
      case 'list':
      case 'ls': {
        if (addrText !== undefined) throw new UsageError('peer list takes no arguments')
        const raw = statusJson(await env.client.request({ method: 'GET', path: '/api/v1/cluster' }))
        return { output: [peerTable(raw)], raw: { peers: asObject(raw).peers ?? [] } }
      }
      case 'add': {
        const address = parsePeerAddress(addrText)
        const role = roleText === undefined ? undefined : parseRole(roleText)
        const raw = await env.client.request({ method: 'POST', path: '/api/v1/cluster/peers', body: role ? { address, role } : { address } })
        return said(raw, 'cluster: peer added and persisted')
      }
      case 'remove': {
        if (roleText !== undefined) throw new UsageError('peer remove takes one address')
        const address = parsePeerAddress(addrText)
        const raw = await env.client.request({ method: 'DELETE', path: `/api/v1/cluster/peers/${segment(address)}` })
        return said(raw, 'cluster: peer removed')
      }
      case 'set-role': {
        const address = parsePeerAddress(addrText)
        if (roleText === undefined) throw new UsageError('role must be full or readonly')
        const role = parseRole(roleText)
        const raw = await env.client.request({ method: 'POST', path: '/api/v1/cluster/peers/role', body: { address, role } })
        return said(raw, 'cluster: peer role updated on remote')
      }
      default:
        throw new UsageError(`unknown peer command "${sub}" (list, add, remove, set-role)${didYouMean(sub, ['list', 'add', 'remove', 'set-role'])}`)
    }
  },
}

const PUSH_HELP = [
  'push records <host:port>   send all local records to one peer now',
  'push config <host:port>    send cluster_auth_token and cluster_peers to one peer (needs cluster_admin there)',
]

const push: CommandSpec = {
  name: 'push',
  usage: 'records|config <host:port>',
  summary: 'push records or cluster config to one peer',
  details: PUSH_HELP,
  examples: ['cluster push records 10.0.0.2:7946', 'cluster push config 10.0.0.2:7946'],
  subcommands: ['records', 'config'],
  argCompletion: 'peers',
  async run(args, env) {
    if (args.length === 0) return { output: [{ kind: 'text', text: PUSH_HELP.join('\n') }] }
    const [sub, addrText, ...extra] = args
    if (extra.length > 0) throw new UsageError('too many arguments')
    if (sub !== 'records' && sub !== 'config') throw new UsageError(`unknown push command "${sub}" (records, config)${didYouMean(sub, ['records', 'config'])}`)
    const address = parsePeerAddress(addrText)
    const raw = await env.client.request({ method: 'POST', path: `/api/v1/cluster/push/${sub}`, body: { address }, timeoutMs: 60_000 })
    return said(raw, sub === 'records' ? 'cluster: push records sent' : 'cluster: config pushed to peer')
  },
}

export const CLUSTER_CONTEXT: ContextSpec = {
  name: 'cluster',
  summary: 'replication between dnsplane nodes',
  commands: [status, pull, join, peer, push],
}

export { ROLES }
