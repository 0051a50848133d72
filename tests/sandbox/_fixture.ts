/**
 * Fixtures of the sandbox tests: whether bubblewrap works here, and a real repository with a real linked job
 * worktree (made by ork's own `addWorktree`) to confine commands to.
 *
 * @module
 */

import { join } from "node:path";
import { execInGroup, type ExecOutcome, type ExecSpec } from "../../src/process/mod.ts";
import { addWorktree, type CleanIndex } from "../../src/git/mod.ts";
import { detectSandbox, type ExecSandbox, type Sandbox, sandboxFor } from "../../src/sandbox/mod.ts";
import { git, tempDir, tempRepo } from "../helpers/mod.ts";

/** What this machine offers, detected once for every test file. */
export const SANDBOX: Sandbox = await detectSandbox("auto");

/** True when the tests that need a working bubblewrap cannot run here; they are then ignored, and this says why. */
export const NO_BWRAP: boolean = SANDBOX.kind !== "bwrap";
if (NO_BWRAP) {
  console.warn(
    `sandbox tests that need bubblewrap are ignored: ${SANDBOX.kind === "none" ? SANDBOX.reason : ""}`,
  );
}

/** A repository, a job worktree in it, and a folder outside both (where a job must not write). */
export interface JobFixture extends AsyncDisposable {
  /** The main worktree (on `main`, one commit). */
  readonly root: string;
  /** The job's worktree, `<root>/.ork/worktrees/job-1`, detached at main's tip. */
  readonly worktree: string;
  /** ork's copy of the worktree's index, as `addWorktree` returned it. */
  readonly clean: CleanIndex;
  /** A folder outside the repository, below the host's /tmp. */
  readonly outside: string;
  /** Where the job's log goes (in `outside`). */
  readonly logPath: string;
  /** The sandbox for the worktree. */
  readonly sandbox: ExecSandbox;
  /** Runs `command` in the worktree, sandboxed; returns the outcome and the log written by this run. */
  run(command: string, spec?: Partial<ExecSpec>): Promise<{ outcome: ExecOutcome; log: string }>;
}

/**
 * Makes the fixture; only call it when bubblewrap works ({@link NO_BWRAP} is false).
 *
 * @param extraWritable passed to `sandboxFor`
 */
export async function jobFixture(extraWritable: readonly string[] = []): Promise<JobFixture> {
  if (SANDBOX.kind !== "bwrap") throw new Error("bubblewrap does not work here");
  const repo = await tempRepo();
  const outside = await tempDir("ork-outside-");
  // As `ork init` does, so that job worktrees are not untracked files of the main worktree.
  await Deno.writeTextFile(join(repo.dir, ".git", "info", "exclude"), ".ork/\n");
  const worktree = join(repo.dir, ".ork", "worktrees", "job-1");
  const clean = await addWorktree(repo.dir, worktree, await git(repo.dir, "rev-parse", "main"));
  const sandbox = await sandboxFor(SANDBOX, repo.dir, worktree, { extraWritable });
  if (sandbox === undefined) throw new Error("sandboxFor gave no sandbox for bwrap");
  const logPath = join(outside.dir, "job.log");
  return {
    root: repo.dir,
    worktree,
    clean,
    outside: outside.dir,
    logPath,
    sandbox,
    async run(command, spec = {}) {
      await Deno.writeTextFile(logPath, "");
      const outcome = await execInGroup({
        command,
        cwd: worktree,
        env: {},
        logPath,
        timeoutSeconds: 20,
        sandbox,
        ...spec,
      });
      return { outcome, log: await Deno.readTextFile(logPath) };
    },
    async [Symbol.asyncDispose]() {
      await repo[Symbol.asyncDispose]();
      await outside[Symbol.asyncDispose]();
    },
  };
}
