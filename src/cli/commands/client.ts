/**
 * `dnsplane client [target]` for the CLI: runs the TUI client (src/tui/run-client.ts) with this
 * package's version, so a daemon of another version is warned about.
 */
import { runClient as runTuiClient, type ClientIo, type ClientOptions } from '../../tui/run-client.js'
import { VERSION } from '../../version.js'

export { defaultSocketPath, EXIT_USAGE, MAX_SCRIPT_BYTES, type ClientIo, type ClientOptions } from '../../tui/run-client.js'

/** Runs the client; resolves to the exit code (0 ok, 1 command failed or daemon unreachable, 2 bad target/token policy). */
export function runClient(options: ClientOptions, io: ClientIo): Promise<number> {
  return runTuiClient({ clientVersion: VERSION, ...options }, io)
}
