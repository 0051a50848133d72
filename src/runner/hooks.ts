/**
 * Hooks (`hooks:` in `config/orchestrator.yaml`): a command run when a job ends, as pueue's callback does, with
 * the job in `ORK_*` variables and its record as JSON on stdin, in the repository's top folder. A hook never
 * holds up a worker: it runs beside the runner, is stopped at `hooks.timeout`, and a failure is logged as a
 * warning. The runner waits for the hooks still running before it exits (at most their timeout).
 *
 * @module
 */

import type { HookEvent, HookSettings } from "../config/mod.ts";
import { findOnPath } from "../fs/paths.ts";
import { reasonOf } from "../errors/mod.ts";
import { killGroup } from "../process/mod.ts";
import type { FsQueue, Job } from "../queue/mod.ts";
import type { EventLog, RunnerEvent } from "./events.ts";

/** The hook a runner event calls for, if any. */
function hookFor(event: RunnerEvent): HookEvent | null {
  switch (event.kind) {
    case "landed":
      return "on_landed";
    case "no-changes":
      return "on_completed";
    case "failed":
      return event.retrying ? null : "on_failed";
    case "cancelled":
      return "on_cancelled";
    case "awaiting-review":
      return "on_awaiting_review";
    default:
      return null;
  }
}

/** Runs the configured hooks for a runner's events. */
export class Hooks {
  readonly #running = new Set<Promise<void>>();
  /** With `notify: desktop`, the command line that shows a notification titled so; null without. */
  readonly #notifier: Promise<((title: string) => string) | null>;

  /**
   * @param settings `hooks:` as configured
   * @param root where hooks run
   * @param queue where the job's record is read
   * @param log where a hook's failure is reported
   */
  constructor(
    readonly settings: HookSettings,
    readonly root: string,
    readonly queue: FsQueue,
    readonly log: EventLog,
  ) {
    this.#notifier = settings.notify === "desktop" ? desktopNotifier() : Promise.resolve(null);
    if (settings.notify === "desktop") {
      void this.#notifier.then((notifier) => {
        if (notifier !== null) return;
        log.emit({
          kind: "warning",
          message:
            "hooks.notify is desktop, but neither notify-send nor osascript is on PATH: no notifications",
        });
      });
    }
  }

  /** The event log with the hooks behind it: every event goes to `log`, and a job's end starts its hook. */
  wrap(): EventLog {
    return {
      emit: (event) => {
        this.log.emit(event);
        this.#start(event);
      },
      [Symbol.dispose]: () => this.log[Symbol.dispose](),
    };
  }

  /** Resolves once every hook started has ended. */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  #start(event: RunnerEvent): void {
    const hook = hookFor(event);
    if (hook === null || !("job" in event)) return;
    const command = this.settings[hook];
    if (command !== null) this.#spawn(hook, Promise.resolve(command), event.job.id);
    const title = NOTIFIED[hook];
    if (title !== undefined && this.settings.notify === "desktop") {
      this.#spawn("notify", this.#notifier.then((notifier) => notifier?.(title) ?? null), event.job.id);
    }
  }

  /** Runs `command` (once it is known; null: nothing) for job `id` beside the runner, tracked until it ends. */
  #spawn(hook: string, command: Promise<string | null>, id: string): void {
    const running: Promise<void> = this.#run(hook, command, id)
      .catch((error) =>
        this.log.emit({ kind: "warning", message: `hook ${hook} could not run: ${reasonOf(error)}` })
      )
      .finally(() => this.#running.delete(running));
    this.#running.add(running);
  }

  async #run(hook: string, commandLine: Promise<string | null>, id: string): Promise<void> {
    const command = await commandLine;
    if (command === null) return;
    const job = await this.queue.get(id);
    const child = new Deno.Command("sh", {
      args: ["-c", command],
      cwd: this.root,
      env: hookEnv(job),
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
      detached: true,
    }).spawn();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, "SIGKILL");
    }, this.settings.timeout * 1000);
    try {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(JSON.stringify(job) + "\n")).catch(() => {});
      await writer.close().catch(() => {});
      const { code, stderr } = await child.output();
      const last = new TextDecoder().decode(stderr).trim().split("\n").at(-1) ?? "";
      if (timedOut) {
        this.log.emit({
          kind: "warning",
          message: `hook ${hook} for ${id} timed out after ${this.settings.timeout}s`,
        });
      } else if (code !== 0) {
        this.log.emit({
          kind: "warning",
          message: `hook ${hook} for ${id} failed with exit code ${code}${last ? `: ${last}` : ""}`,
        });
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The job, in variables for its hook. */
function hookEnv(job: Job): Record<string, string> {
  return {
    ORK_JOB_ID: job.id,
    ORK_JOB_STATUS: job.status,
    ORK_JOB_ROLE: job.role,
    ORK_JOB_DESCRIPTION: job.description,
    ORK_JOB_ERROR: job.error ?? "",
    ORK_LANDED_COMMIT: job.landed_commit ?? "",
  };
}

/** The notification's title for the events `notify: desktop` tells of. */
const NOTIFIED: Partial<Record<HookEvent, string>> = {
  on_landed: "ork: landed",
  on_failed: "ork: failed",
  on_awaiting_review: "ork: awaiting review",
};

/**
 * The command line of a desktop notification titled so, with the job's description as its text (from the hook's
 * variables, never pasted into the line): `notify-send` where it is on PATH, else macOS's `osascript`; null
 * when neither is.
 */
async function desktopNotifier(): Promise<((title: string) => string) | null> {
  if (await findOnPath("notify-send")) {
    return (title) => `notify-send --app-name=ork -- '${title}' "$ORK_JOB_DESCRIPTION"`;
  }
  if (await findOnPath("osascript")) {
    return (title) =>
      `osascript -e 'on run argv' -e 'display notification (item 2 of argv) with title (item 1 of argv)' ` +
      `-e 'end run' '${title}' "$ORK_JOB_DESCRIPTION"`;
  }
  return null;
}
