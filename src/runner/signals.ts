/**
 * How a runner hears SIGINT and SIGTERM: the first asks it to stop claiming (running jobs finish and land), the
 * second stops them (nothing more lands; they go back to pending). The first is said on stderr at once, however
 * quiet the runner is, because the running jobs may take a while.
 *
 * @module
 */

import { type EventLog, formatEvent } from "./events.ts";

/** A runner's two stops, as signals set them. */
export class StopSignals implements Disposable {
  /** Aborted by the second signal: every command and gate stops, nothing more lands. */
  readonly stop: AbortController = new AbortController();
  /** The first signal, once one came: no new jobs. */
  first: Deno.Signal | null = null;
  #wake = new AbortController();
  readonly #removers: (() => void)[];

  /**
   * Listens for SIGINT and SIGTERM until disposed.
   *
   * @param events where both stops are reported
   * @param say told the first stop's line when the runner is not verbose (the event log has it anyway)
   */
  constructor(events: EventLog, say?: (line: string) => void) {
    const onSignal = (signal: Deno.Signal) => () => {
      if (this.first === null) {
        this.first = signal;
        this.#wake.abort();
        events.emit({ kind: "stopping", signal, force: false });
        say?.(`ork: ${formatEvent({ kind: "stopping", signal, force: false })}`);
      } else if (!this.stop.signal.aborted) {
        events.emit({ kind: "stopping", signal, force: true });
        this.stop.abort(signal);
      }
    };
    this.#removers = (["SIGINT", "SIGTERM"] as const).map((signal) => {
      const listener = onSignal(signal);
      Deno.addSignalListener(signal, listener);
      return () => Deno.removeSignalListener(signal, listener);
    });
  }

  /** Aborted by the first signal: an idle worker's wait ends at once. */
  get wake(): AbortSignal {
    // A wait that ended for another reason leaves the next one a fresh signal (the first stop ends all).
    if (this.#wake.signal.aborted && this.first === null) this.#wake = new AbortController();
    return this.#wake.signal;
  }

  /** The exit code the second signal asks for (130 for SIGINT, 143 for SIGTERM), or null without one. */
  forcedExitCode(): number | null {
    return this.stop.signal.aborted ? (this.first === "SIGINT" ? 130 : 143) : null;
  }

  /** Stops listening. */
  [Symbol.dispose](): void {
    for (const remove of this.#removers) remove();
  }
}
