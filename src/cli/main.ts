/**
 * The command line: argv -> command. The only place that touches process (argv, exit, signals, stdout).
 * Commands: server, client, top, health, cluster status|peers|join|pull, records import|flush, zone import|export.
 */
import { Command, Option } from 'commander'
import { VERSION } from '../version.js'
import { checkHealth, DEFAULT_HEALTH_TIMEOUT_MS, DEFAULT_HEALTH_URL } from './commands/health.js'

const program = new Command()
program
  .name('dnsplane')
  .description('DNS server with file-backed local records, forwarding, and leaderless record replication')
  .version(VERSION, '-v, --version', 'print the version')
  .showHelpAfterError()

program
  .command('server')
  .description('run a node: DNS over UDP/TCP, REST API, control socket, cluster sync')
  .option('--config <path>', 'dnsplane.json file or directory (default: search order, see docs/configuration.md)')
  .option('--dnsrecords <path>', 'records file (overrides file_locations.records_source)')
  .option('--dnsservers <path>', 'upstream servers file (overrides file_locations.dnsservers)')
  .option('--cache <path>', 'cache file (overrides file_locations.cache)')
  .option('--port <port>', 'DNS port (overrides "port")')
  .option('--apiport <port>', 'REST API port (overrides "apiport")')
  .option('--api', 'start the REST API (overrides "api")')
  .option('--server-socket <path>', 'control socket path (overrides "server_socket")')
  .option('--strict', 'refuse to start on unknown config keys (as "strict_config": true)')
  .action(async (opts: Record<string, string | boolean | undefined>) => {
    // Loaded only for `server`: the daemon pulls in fastify, the stores and the cluster.
    const { runServer } = await import('./commands/server.js')
    const code = await runServer({
      configPath: opts.config as string | undefined,
      dnsrecords: opts.dnsrecords as string | undefined,
      dnsservers: opts.dnsservers as string | undefined,
      cache: opts.cache as string | undefined,
      port: opts.port as string | undefined,
      apiport: opts.apiport as string | undefined,
      api: opts.api === true ? true : undefined,
      serverSocket: opts.serverSocket as string | undefined,
      strict: opts.strict === true ? true : undefined,
    })
    if (code !== 0) process.exit(code)
  })

program
  .command('client')
  .description('interactive terminal UI (or one command with -c) against a running node')
  .argument('[target]', 'control socket path, unix://path, host:port or tcp://host:port (default: server_socket)')
  .option('-c, --command <line>', 'run one command line and exit (e.g. "record list")')
  .option('--json', 'print machine-readable JSON (with -c)')
  .addOption(new Option('--token <token>', 'API token for a TCP target').env('DNSPLANE_API_TOKEN'))
  .option('--config <path>', 'dnsplane.json to read server_socket from')
  .action(async (target: string | undefined, opts: { command?: string; json?: boolean; token?: string; config?: string }) => {
    const { runClientCommand } = await import('./commands/client-entry.js')
    const code = await runClientCommand({ target, ...opts })
    process.exitCode = code
  })

program
  .command('top')
  .description('terminal dashboard: query rate, cache hits, latency, upstream health and the cluster grid (q quits)')
  .argument('[target]', 'control socket path, unix://path, host:port or tcp://host:port (default: server_socket)')
  .option('--interval <seconds>', 'seconds between refreshes (0.2..60)', '1')
  .addOption(new Option('--token <token>', 'API token for a TCP target').env('DNSPLANE_API_TOKEN'))
  .option('--config <path>', 'dnsplane.json to read server_socket from')
  .action(async (target: string | undefined, opts: { interval?: string; token?: string; config?: string }) => {
    const { runTopCommand } = await import('./commands/client-entry.js')
    process.exitCode = await runTopCommand({ target, ...opts })
  })

program
  .command('health')
  .description('exit 0 if the node is ready (GET /ready), 1 otherwise; for keepalived/HAProxy checks')
  .option('--url <url>', 'readiness URL', DEFAULT_HEALTH_URL)
  .option('--timeout <ms>', 'give up after this many milliseconds', String(DEFAULT_HEALTH_TIMEOUT_MS))
  .option('-q, --quiet', 'print nothing on success')
  .action(async (opts: { url: string; timeout: string; quiet?: boolean }) => {
    const timeoutMs = Number(opts.timeout)
    const result = await checkHealth({ url: opts.url, timeoutMs: Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : DEFAULT_HEALTH_TIMEOUT_MS })
    if (!result.ok) process.stderr.write(result.line + '\n')
    else if (!opts.quiet) process.stdout.write(result.line + '\n')
    process.exitCode = result.ok ? 0 : 1
  })

/** A subcommand of `parent` that runs one client command line against a running node (target, --json, --token, --config). */
function clientSubcommand(parent: Command, name: string, line: string, description: string): void {
  parent
    .command(name)
    .description(description)
    .argument('[target]', 'control socket path or host:port (default: server_socket)')
    .option('--json', 'print JSON')
    .addOption(new Option('--token <token>', 'API token for a TCP target').env('DNSPLANE_API_TOKEN'))
    .option('--config <path>', 'dnsplane.json to read server_socket from')
    .action(async (target: string | undefined, opts: { json?: boolean; token?: string; config?: string }) => {
      const { runClientCommand } = await import('./commands/client-entry.js')
      process.exitCode = await runClientCommand({ target, command: line, ...opts })
    })
}

const cluster = program.command('cluster').description('cluster commands against a running node (see also: client, context "cluster")')
for (const [name, line, description] of [
  ['status', 'cluster status', 'one summary line (node, policy, records, in sync) and one row per peer; --json for the status object'],
  ['peers', 'cluster peer list', 'list the peers: reachable, last sync, pending changes, last error'],
  ['join', 'cluster join', 'print this node\'s dial address and the SHA-256 of the cluster token'],
  ['pull', 'cluster pull', 'pull records from every peer now'],
] as const) {
  clientSubcommand(cluster, name, line, description)
}

/** The daemon client of a records/zone command: target (control socket default), token, config. */
async function importClient(target: string | undefined, opts: { token?: string; config?: string }) {
  const { defaultSocketFor } = await import('./commands/client-entry.js')
  const { clientFor } = await import('../tui/run-client.js')
  return clientFor({ target, token: opts.token, defaultSocket: await defaultSocketFor(opts.config) }, { env: process.env })
}
type ImportCliOptions = { json?: boolean; dryRun?: boolean; confirmDelete?: string; token?: string; config?: string }
const withTarget = (c: Command): Command =>
  c
    .option('--json', 'print the daemon\'s JSON answer')
    .addOption(new Option('--token <token>', 'API token for a TCP target').env('DNSPLANE_API_TOKEN'))
    .option('--config <path>', 'dnsplane.json to read server_socket from')
const withBulk = (c: Command): Command =>
  withTarget(c)
    .option('--dry-run', 'validate and count, write nothing')
    .option('--confirm-delete <count>', 'confirm a replace that deletes more records than the mass-delete guard allows')

const records = program.command('records').description('record commands against a running node (see also: client, context "record")')
withBulk(
  records
    .command('import')
    .description('add (or with --replace-all replace) records from a JSON file (array, dnsrecords.json or NDJSON), all or nothing')
    .argument('<file>', 'the records file')
    .argument('[target]', 'control socket path or host:port (default: server_socket)')
    .option('--replace-all', 'replace every record of the node with the file\'s (shows what it deletes first)'),
).action(async (file: string, target: string | undefined, opts: ImportCliOptions & { replaceAll?: boolean }) => {
  const { importRecords } = await import('./commands/import-export.js')
  process.exitCode = await importRecords(await importClient(target, opts), file, process, opts)
})
clientSubcommand(records, 'flush', 'record flush', 'write journaled record changes to dnsrecords.json now (POST /api/v1/records/flush; docs/storage.md)')

const zone = program.command('zone').description('zone files (RFC 1035 master format) against a running node')
withBulk(
  zone
    .command('import')
    .description('add (or with --replace replace) the records of a zone file, all or nothing')
    .argument('<file>', 'the zone file ($INCLUDE relative to its folder)')
    .argument('[target]', 'control socket path or host:port (default: server_socket)')
    .option('--origin <origin>', 'initial $ORIGIN (and the zone --replace replaces; default: the SOA owner)')
    .option('--replace', 'replace the zone\'s records: records under the origin not in the file are deleted'),
).action(async (file: string, target: string | undefined, opts: ImportCliOptions & { origin?: string; replace?: boolean }) => {
  const { importZone } = await import('./commands/import-export.js')
  process.exitCode = await importZone(await importClient(target, opts), file, process, opts)
})
withTarget(
  zone
    .command('export')
    .description('print a zone as an RFC 1035 master file (SOA first, canonical order)')
    .argument('<zone>', 'the zone, e.g. example.com')
    .argument('[target]', 'control socket path or host:port (default: server_socket)')
    .option('-o, --output <file>', 'write the file here instead of stdout')
    .option('--signed', 'sign it with the keys of dnssec_sign_key_file: full NSEC chain, RRSIGs, generic RDATA (docs/dnssec.md)'),
).action(async (name: string, target: string | undefined, opts: ImportCliOptions & { output?: string; signed?: boolean }) => {
  const { exportZone } = await import('./commands/import-export.js')
  const { signingKeysFromConfig } = await import('./commands/dnssec.js')
  const sign = opts.signed ? () => signingKeysFromConfig(opts.config) : undefined
  process.exitCode = await exportZone(await importClient(target, opts), name, process, { ...opts, sign })
})

program
  .command('dnssec')
  .description('DNSSEC signing keys (docs/dnssec.md)')
  .command('ds')
  .description('print the DS records of the configured signing keys (dnssec_sign_key_file) for the parent zone')
  .argument('[zone]', 'the signed zone (default: dnssec_sign_zone)')
  .option('--json', 'print JSON')
  .option('--config <path>', 'dnsplane.json to read (default: the usual search)')
  .action(async (zoneName: string | undefined, opts: { json?: boolean; config?: string }) => {
    const { runDs } = await import('./commands/dnssec.js')
    process.exitCode = await runDs(zoneName, opts)
  })

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`dnsplane: ${(err as Error).message}\n`)
  process.exit(1)
})
