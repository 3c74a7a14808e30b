/**
 * dnsplane's import rules (docs/architecture.md "Dependency rules"; STYLE.md "Dependency direction").
 * Run: npm run lint:deps. CI runs it before the tests.
 *
 * A new pure module (a codec, a policy, an answering rule) joins the core by a line in CORE below;
 * from then on it may import only other core modules and no I/O.
 */

/** The pure core: no I/O, no timers, no metrics or logging; time, randomness and data come in as arguments. */
const CORE = [
  'src/errors\\.ts',
  'src/values\\.ts',
  'src/suggest\\.ts',
  'src/stats/(resolution|resolution-log|ring-buffer|hit-batch)\\.ts',
  'src/config/(schema|validate|cluster-token)\\.ts',
  // rr-types is STYLE.md's type table; listed ahead so it is pure when it lands
  'src/store/(reverse-name|bulk-plan|record|record-store|record-versions|record-index|index-delta|record-validate|records-file|record-json|rr-types|rrset-size|mass-delete|servers|unanswerable)\.ts',
  'src/store/journal/(codec|replay|flush-pacing)\\.ts',
  'src/store/(local-edits|batch-positions|store-versions|record-seq)\\.ts',
  'src/zonefile/(lexer|names|parse|write)\\.ts',
  'src/dns/wire/[^/]+\\.ts',
  'src/dns/local/[^/]+\\.ts',
  'src/dns/tsig/(algorithms|tsig-record|tsig|keyring)\\.ts',
  'src/dnssec/(algorithms|canonical|keytag|key-files|key-share|sign|nsec|zone-signer|online-signer|signed-export)\\.ts',
  'src/dns/xfr/(networks|transfer|transfer-access|transfer-streams|notify-message)\\.ts',
  'src/dns/update/(update-rules|update-delta|update-message)\\.ts',
  'src/zones/(serial|zone-content|zone-sum|zone-tracker|history-codec)\\.ts',
  'src/dns/limit/[^/]+\\.ts',
  'src/dns/block/[^/]+\\.ts',
  'src/dns/serve/(fast-path|answer-slab|tcp-clients|query-event|chaos|doh-request)\\.ts',
  'src/dns/forward/upstream-select\\.ts',
  'src/dnssec/validate/[^/]+\\.ts',
  'src/dns/cache/response-cache\\.ts',
  'src/cluster/(status|settings|control|admin-patch)\\.ts',
  'src/cluster/wire/[^/]+\\.ts',
  'src/cluster/transport/(netinfo|frame-budget)\\.ts',
  'src/cluster/session/(handshake|authenticate|challenge-peers|auth-challenge|protocol|tokens|auth-guard|session-pool)\\.ts',
  'src/cluster/peers/(peer-state|discovery|peer-tracker|backoff|records-summary)\\.ts',
  'src/cluster/sync/entry-guard\\.ts',
  'src/cluster/sync/policies/[^/]+\\.ts',
  'src/cluster/sync/lww/[^/]+\\.ts',
]
const CORE_PATH = `^(${CORE.join('|')})$`

/** Modules that do I/O (network, files, processes, timers) or reach the process-wide logger and metrics. */
const IO_BUILTINS = [
  'net', 'dgram', 'dns', 'dns/promises', 'fs', 'fs/promises', 'http', 'https', 'http2', 'tls',
  'child_process', 'cluster', 'worker_threads', 'timers', 'timers/promises', 'readline',
]
const IO_PACKAGES = ['pino', 'prom-client', 'fastify', '@fastify/[^/]+', 'chokidar', 'ws', 'ink']

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-no-io-builtins',
      severity: 'error',
      comment: 'The pure core does no I/O: sockets, files, processes and timers belong to adapters and services.',
      from: { path: CORE_PATH },
      to: { dependencyTypes: ['core'], path: `^(node:)?(${IO_BUILTINS.join('|')})$` },
    },
    {
      name: 'core-no-io-packages',
      severity: 'error',
      comment: 'The pure core does not log, count metrics, serve HTTP or watch files; it returns values.',
      from: { path: CORE_PATH },
      to: { path: `(^|/)node_modules/(${IO_PACKAGES.join('|')})/` },
    },
    {
      name: 'core-imports-only-core',
      severity: 'error',
      comment:
        'A core module imports only other core modules from src/, so no I/O arrives through a neighbour. ' +
        'Add a new pure module to CORE in .dependency-cruiser.cjs, or move the impure part out.',
      from: { path: CORE_PATH },
      to: { path: '^src/', pathNot: CORE_PATH },
    },
    {
      name: 'no-import-from-cli',
      severity: 'error',
      comment: 'cli/ is the entry layer (process, argv, stdout); nothing below it imports it. Move shared code down.',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment: 'Folders form a stack: imports go down or stay inside a folder, never round in a circle.',
      scope: 'folder',
      // One exception, by design (STYLE.md): the records model (store/rr-types, record-validate) and the
      // RDATA codec and tokenizer (dns/wire) are one core layer: validation asks "does it encode?" and
      // the codec reads the type table. Module cycles stay forbidden between them (rule below).
      from: { path: '^src/', pathNot: '^src/(store|dns/wire)/?$' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycles',
      severity: 'error',
      comment: 'No module reaches itself through its imports, type-only imports included (there are none today).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import the checker cannot resolve would escape every rule above.',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/dashboard/public/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // ESM packages such as ink export only for "import"
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'node', 'default'],
      mainFields: ['module', 'main', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
}
