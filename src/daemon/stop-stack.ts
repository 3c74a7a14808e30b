/**
 * The daemon's stop stack: each builder pushes the stop of what it started, and unwind() runs them in
 * reverse order (last started, first stopped), so a service never outlives what it depends on.
 */
/** Called for a stop that threw; the default logs it and unwinding goes on. */
export type StopErrorHandler = (name: string, err: unknown) => void

export class StopStack {
  private entries: Array<{ name: string; stop: () => Promise<void> | void }> = []

  /** `log`: a pino logger, or any sink with its error(fields, msg) form (what unwind uses). */
  constructor(private readonly log: { error(fields: object, msg: string): void }) {}

  /** Registers the stop of a service just started; `name` labels the log line when it fails. */
  push(name: string, stop: () => Promise<void> | void): void {
    this.entries.push({ name, stop })
  }

  /** Names in push order (tests, diagnostics). */
  names(): string[] {
    return this.entries.map((e) => e.name)
  }

  /**
   * Runs every stop, newest first, awaiting each; a failing stop is reported to `onError` (default: logged
   * as 'stop failed') and the rest still run. Empties the stack, so a second unwind does nothing.
   */
  async unwind(onError?: StopErrorHandler): Promise<void> {
    const report = onError ?? ((name, err) => this.log.error({ err, component: name }, 'stop failed'))
    const entries = this.entries.reverse()
    this.entries = []
    for (const e of entries) {
      try {
        await e.stop()
      } catch (err) {
        report(e.name, err)
      }
    }
  }
}
