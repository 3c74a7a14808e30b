/** Options and dependencies of the DNS service (responder and listeners). Types and defaults only. */
import type { Logger } from 'pino'
import type { RecordIndex } from '../../store/record-index.js'
import type { UpstreamResolver } from '../forward/upstream.js'
import type { UpdateReport } from '../update/update-handler.js'
import type { TransferService } from '../xfr/transfer.js'
import type { DnsLimiter } from '../limit/dns-limiter.js'
import type { QuerySink } from './query-event.js'
import type { BlockList } from '../block/block-list.js'
import type { OnlineSigner } from '../../dnssec/online-signer.js'

/** Answers RFC 2136 UPDATE messages (dns/update/update-handler.ts). */
export interface UpdateService {
  handle(msg: Buffer, clientIp?: string): Promise<{ reply: Buffer; report: UpdateReport }>
}

export interface DnsServerOptions {
  /** Listen address: '' = all (dual-stack '::', else '0.0.0.0'), or an IP literal. */
  bind: string
  /** UDP and TCP port; 0 picks a free port (the same for both). */
  port: number
  localRecordsEnabled: boolean
  autoBuildPtrFromA: boolean
  /** Answer ANY questions with NOTIMP (the original's dns_refuse_any). */
  refuseAny: boolean
  /** EDNS UDP payload we advertise and honour; 0 = the default 1232; capped at 1232. */
  maxEdnsUdpPayload: number
  /** Close a TCP connection idle this long (default 10 s). */
  tcpIdleTimeoutMs: number
  /** Concurrent TCP connections (default 256); when full, the busiest client's oldest idle one makes room. */
  tcpMaxConnections: number
  /** Concurrent TCP connections of one client (IPv4 address, IPv6 /64); default 16. */
  tcpMaxConnectionsPerClient?: number
  /** RFC 8482 4.1: answer ANY with one RRset of the name (dns_minimal_any). */
  minimalAny?: boolean
  /** CH TXT id.server / hostname.bind answer (RFC 4892), or a function giving it; undefined = REFUSED. */
  chaosIdentity?: string | (() => string)
  /** CH TXT version.server / version.bind answer; undefined = REFUSED. */
  chaosVersion?: string
  /** Give up on the resolver after this long and answer NODATA/SERVFAIL. */
  upstreamTimeoutMs: number
}

export interface DnsServerDeps {
  getIndex: () => RecordIndex
  resolver?: UpstreamResolver
  /** Gets one QueryEvent per answered question (any ResolutionSink, e.g. Stats, fits). */
  sink?: QuerySink
  log: Logger
  now?: () => number
  /** RFC 2136 UPDATE; absent = UPDATE answered NOTIMP. */
  update?: UpdateService
  /** Zone serials and outgoing transfers (AXFR/IXFR); without it, transfers get NOTIMP as before. */
  xfr?: TransferService
  /** Query rate limit, response limiter and amplification cap (dns_rate_limit_*, dns_rrl_*, ...); none when absent. */
  limiter?: DnsLimiter
  /** Names answered 0.0.0.0 / :: / NODATA instead of forwarded (adblock_list_files); none when absent. */
  blocklist?: BlockList
  /** Signs local answers of one zone for queries with DO set (dnssec_sign_*); none when absent. */
  signer?: OnlineSigner
}
