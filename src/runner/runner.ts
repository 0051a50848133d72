/**
 * `ork run`: N workers claim jobs in queue order and run each to its end (job.ts), until the queue is empty
 * (`--once`) or until told to stop (a daemon). Several runners on one repository are safe: claims are atomic
 * and landings are serialised by the landing lock.
 *
 * Signals: the first SIGINT/SIGTERM stops claiming and lets running jobs finish and land; a second one stops
 * them (whole process groups), puts them back to `pending` without spending a retry, and exits 130/143.
 *
 * @module
 */

import { join } from "node:path";
import { OrkError, reasonOf } from "../errors/mod.ts";
import { assertGatesRunnable } from "../gates/mod.ts";
import { pruneWorktrees, readBranch, removeWorktree, targetBranchName } from "../git/mod.ts";
import { tryAcquire } from "../lock/mod.ts";
import type { FsQueue } from "../queue/mod.ts";
import type { Workspace } from "../workspace/mod.ts";
import { type EventLog, formatEvent, openEventLog } from "./events.ts";
import { readPause } from "./pause.ts";
import { type RunnerIdentity, runnerLockPath, runnerName, workerName } from "./identity.ts";
import { type JobOutcome, runJob } from "./job.ts";
import { Slot } from "./slot.ts";
import { recoverOrphans, removeLeftoverWorktrees } from "./recover.ts";
import { checkoutLeaks, describeLeaks } from "../environment/mod.ts";
import { assertWritableOutside } from "./writable.ts";
import { Train } from "./train.ts";
import { StopSignals } from "./signals.ts";
import { Hooks } from "./hooks.ts";
import { finishBatchOf } from "./finish.ts";
import { trainFile, writeTrain } from "./train_view.ts";
import { describeSandbox, detectSandbox, type Sandbox } from "../sandbox/mod.ts";
import { delay } from "../time/mod.ts";

/** How often an idle daemon looks for jobs of runners that died. */
const PEER_LOOK_MS = 2000;

/** How `ork run` runs. */
export interface RunOptions {
  /** Jobs run at once. */
  readonly workers: number;
  /** Stop when nothing is pending (for cron); otherwise wait for new jobs until stopped. */
  readonly once: boolean;
  /** Seconds between looks at an empty queue. */
  readonly pollSeconds: number;
  /** Echo events to stderr. */
  readonly verbose: boolean;
  /** Where `verbose` echoes go. */
  readonly stderr?: (line: string) => void;
}

/** What a run did. */
export interface RunReport {
  /** Jobs whose runs ended, by outcome. */
  readonly outcomes: Record<JobOutcome, number>;
  /** 0 every job completed, 1 one failed, 130/143 stopped by a second SIGINT/SIGTERM. */
  readonly exitCode: number;
}

/**
 * The branch work lands on: `target_branch`, else the branch checked out in the main worktree.
 *
 * @throws {OrkError} `bad-input` when there is none (detached HEAD) or it does not exist
 */
export async function targetBranch(ws: Workspace): Promise<{ branch: string; tip: string }> {
  const { branch, configured } = await targetBranchName(ws.root, ws.config.orchestrator.target_branch);
  if (branch === null) {
    throw new OrkError(
      "bad-input",
      "no target branch: the main worktree has a detached HEAD",
      "check out a branch, or set orchestrator.target_branch in config/orchestrator.yaml",
    );
  }
  const tip = await readBranch(ws.root, branch);
  if (tip === null) {
    throw new OrkError(
      "bad-input",
      configured
        ? `orchestrator.target_branch in config/orchestrator.yaml names a branch that does not exist: '${branch}'`
        : `the target branch '${branch}' has no commit yet`,
      configured
        ? `create it ('git branch ${branch}'), or set target_branch to a branch that exists (or delete the key ` +
          "to use the branch checked out in the main worktree)"
        : "make a first commit on it",
    );
  }
  return { branch, tip };
}

/**
 * Runs the queue.
 *
 * @param ws the workspace
 * @param queue its queue
 * @returns what happened, with the exit code
 */
export async function runQueue(ws: Workspace, queue: FsQueue, options: RunOptions): Promise<RunReport> {
  assertGatesRunnable(ws.config.merge_gates);
  await assertWritableOutside(ws.config, ws);
  const { branch: target } = await targetBranch(ws);
  // `required` without a working bubblewrap refuses here, before anything is claimed.
  const sandbox = await detectSandbox(ws.config.orchestrator.sandbox);
  const identity: RunnerIdentity = { pid: Deno.pid, startedMs: Date.now(), host: Deno.hostname() };
  const lockPath = runnerLockPath(ws.paths.locks, identity);
  // Held for the runner's whole life: the kernel frees it when the runner dies, which is how others tell.
  using _alive = tryAcquire(lockPath, { purpose: "runner" }) ??
    (() => {
      throw new OrkError("lock-busy", `runner lock ${lockPath} is held`, "is another runner using this pid?");
    })();
  try {
    return await runHoldingLock(ws, queue, options, { identity, target, sandbox });
  } finally {
    // Its lock file names only this runner: nobody waits on it, so it can go (unlike the shared locks), however
    // the run ended; a runner that stops on an error must not look like one that died.
    await Deno.remove(lockPath).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}

/**
 * The run itself, under the runner lock. It reads top to bottom (announce, settle dead runners' jobs, listen
 * for signals, build the train, run the workers until the queue is empty or a signal comes, clean up); its
 * steps share the runner's state (events, signals, train, outcomes), which is why they stay in one function.
 */
async function runHoldingLock(
  ws: Workspace,
  queue: FsQueue,
  options: RunOptions,
  { identity, target, sandbox }: { identity: RunnerIdentity; target: string; sandbox: Sandbox },
): Promise<RunReport> {
  using log = openEventLog(join(ws.paths.ork, "orchestrator.log"), {
    verbose: options.verbose,
    stderr: options.stderr,
  });
  const hooks = new Hooks(ws.config.hooks, ws.root, queue, log);
  const events = hooks.wrap();
  const name = runnerName(identity);
  events.emit({
    kind: "runner-started",
    runner: name,
    workers: options.workers,
    target,
    once: options.once,
    sandbox: describeSandbox(sandbox),
  });
  if (sandbox.kind === "none") await warnOfLeaks(ws, events, options);
  // Where recovery looks, at the start and, in a daemon, while idle.
  const orphans = {
    queue,
    root: ws.root,
    locksDir: ws.paths.locks,
    host: identity.host,
    target,
    worktreesDir: ws.paths.worktrees,
    events,
  };
  try {
    await recoverOrphans(orphans);
    await removeLeftovers(ws, queue, events, { host: identity.host, self: name });
  } catch (error) {
    events.emit({ kind: "runner-stopped", runner: name, exitCode: null, reason: reasonOf(error) });
    throw error;
  }

  using signals = new StopSignals(events, options.verbose ? undefined : options.stderr);
  const stop = signals.stop;

  const outcomes: Record<JobOutcome, number> = {
    completed: 0,
    failed: 0,
    retrying: 0,
    cancelled: 0,
    requeued: 0,
    awaiting_review: 0,
    parked: 0,
  };
  const slots = Array.from({ length: options.workers }, () => new Slot(ws.root, target, events));
  const trainPath = trainFile(ws.paths.ork, name);
  const train = new Train({
    root: ws.root,
    target,
    lockPath: join(ws.paths.locks, "landing.lock"),
    runner: name,
    parallel: ws.config.landing.parallel ?? options.workers,
    batch: ws.config.landing.batch,
    finishBatch: finishBatchOf(queue, stop.signal),
    stop: stop.signal,
    events,
    onChange: (snapshot) =>
      writeTrain(trainPath, { runner: name, target, updated_at: new Date().toISOString(), ...snapshot }),
  });
  const lookForDeadPeers = peerWatch(orphans, events);
  const pausedNow = pauseWatch(ws, queue, events, options);
  const work = async (slot: Slot, index: number) => {
    const worker = workerName(identity, index + 1);
    while (signals.first === null) {
      if (await pausedNow()) {
        if (options.once) return;
        await delay(options.pollSeconds * 1000, signals.wake);
        continue;
      }
      const job = await queue.claim(worker);
      if (job === null) {
        if (options.once) return;
        await lookForDeadPeers();
        await delay(options.pollSeconds * 1000, signals.wake);
        continue;
      }
      events.emit({ kind: "claimed", job, worker });
      const outcome = await runJob(job, {
        root: ws.root,
        config: ws.config,
        paths: ws.paths,
        queue,
        target,
        worker,
        slot,
        events,
        stop: stop.signal,
        sandbox,
        train,
      });
      outcomes[outcome]++;
    }
  };
  try {
    // Every worker settles before cleanup: one that throws must not pull worktrees from under the others.
    const settled = await Promise.allSettled(slots.map(work));
    const broken = settled.find((result) => result.status === "rejected");
    if (broken) throw broken.reason;
  } finally {
    writeTrain(trainPath, {
      runner: name,
      target,
      updated_at: new Date().toISOString(),
      tip: null,
      cars: [],
    });
    // When a runner exits, none of its worktrees is left.
    for (const slot of slots) if (slot.path !== null) await removeWorktree(ws.root, slot.path);
    await pruneWorktrees(ws.root);
  }
  // Hooks still running (a job's last one) end before the runner says it stopped: at most hooks.timeout.
  await hooks.settled();
  const forced = signals.forcedExitCode();
  const exitCode = forced ?? (outcomes.failed > 0 ? 1 : 0);
  events.emit({ kind: "runner-stopped", runner: name, exitCode, reason: null });
  return { outcomes, exitCode };
}

/**
 * Unconfined, a gate can import the user's files instead of the candidate's (a `node_modules` or virtual
 * environment pointing into the checkout): said first, on stderr too, whatever `--verbose` says.
 */
async function warnOfLeaks(ws: Workspace, events: EventLog, options: RunOptions): Promise<void> {
  const leaks = await checkoutLeaks(ws.root, ws.paths.worktrees, Deno.env.toObject());
  if (leaks.length === 0) return;
  const message = `warning: jobs and gates run unconfined and ${describeLeaks(leaks)}: a gate may test ` +
    "your checkout rather than the candidate (see 'ork doctor')";
  events.emit({ kind: "warning", message });
  if (!options.verbose) options.stderr?.(`ork: ${message}`);
}

/** Removes the worktrees dead runners left behind, saying so for each. */
async function removeLeftovers(
  ws: Workspace,
  queue: FsQueue,
  events: EventLog,
  runner: { host: string; self: string },
): Promise<void> {
  const leftovers = await removeLeftoverWorktrees({
    root: ws.root,
    worktreesDir: ws.paths.worktrees,
    locksDir: ws.paths.locks,
    ...runner,
    queue,
  });
  for (const path of leftovers) {
    events.emit({ kind: "warning", message: `removed ${path}, a worktree a dead runner left behind` });
  }
}

/**
 * What an idle daemon's workers call between polls: settles the jobs of runners that died since it started
 * (another daemon killed, say), so that they do not stay running while it waits; at most every few seconds, by
 * one worker at a time.
 */
function peerWatch(orphans: Parameters<typeof recoverOrphans>[0], events: EventLog): () => Promise<void> {
  let lastLook = Date.now();
  let looking = false;
  return async () => {
    if (looking || Date.now() - lastLook < PEER_LOOK_MS) return;
    looking = true;
    try {
      await recoverOrphans(orphans);
    } catch (error) {
      events.emit({ kind: "warning", message: `could not settle dead runners' jobs: ${reasonOf(error)}` });
    } finally {
      lastLook = Date.now();
      looking = false;
    }
  };
}

/**
 * What workers ask before each claim: whether `ork pause` is in force. Said once per pause, in the event log
 * and, for `--once` (which then ends once its running jobs have), on stderr with the jobs left pending.
 */
function pauseWatch(
  ws: Workspace,
  queue: FsQueue,
  events: EventLog,
  options: RunOptions,
): () => Promise<boolean> {
  let said: string | null = null;
  return async () => {
    const pause = readPause(ws.paths.ork);
    if (pause === null) {
      said = null;
      return false;
    }
    if (said !== pause.since) {
      said = pause.since;
      const event = {
        kind: "paused",
        since: pause.since,
        pending: (await queue.stats()).pending,
        once: options.once,
      } as const;
      events.emit(event);
      if (options.once && !options.verbose) options.stderr?.(`ork: ${formatEvent(event)}`);
    }
    return true;
  };
}
