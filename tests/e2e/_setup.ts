/**
 * The fixture of the runner's end-to-end tests: a real repository with ork initialised (config committed, so
 * jobs see it in their worktrees), a trace folder outside it for jobs to write to, and shortcuts.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { FsQueue, type Job } from "../../src/queue/mod.ts";
import { git, ork, tempDir, tempRepo } from "../helpers/mod.ts";

/** The role the runner's tests enqueue with: the tools their job commands use (roles have tests of their own). */
export const TESTER_TOOLS = ["sleep", "date", "env", "grep", "touch", "ls", "git", "cat", "sh", "bash"];

const TESTER_ROLES =
  `roles:\n  tester:\n    description: Runs the commands of ork's own tests\n    allowed_tools: [${
    TESTER_TOOLS.join(", ")
  }]\n`;

/** A repository ready for `ork run`. */
export interface RunFixture extends AsyncDisposable {
  /** The repository. */
  readonly dir: string;
  /** A folder outside it. */
  readonly trace: string;
  /** Its queue, read directly. */
  readonly queue: FsQueue;
  /** `ork enqueue --role tester ...`; returns the id. */
  enqueue(desc: string, cmd: string, ...extra: string[]): Promise<string>;
  /** `ork run ...` to the end. */
  run(...args: string[]): ReturnType<typeof ork>;
  /** A file's content on main. */
  show(path: string): Promise<string>;
  /** Resolves to the job once it is running and its pid is recorded. */
  runningWithPid(id: string): () => Promise<Job | undefined>;
}

/**
 * Makes the fixture.
 *
 * @param config text of config/orchestrator.yaml, if not the default
 * @param options `sandbox: "off"` for tests whose jobs write to the trace folder outside their worktree, which
 *   the sandbox (rightly) forbids
 */
export async function runFixture(config = "", options: { sandbox?: "off" } = {}): Promise<RunFixture> {
  const repo = await tempRepo();
  const trace = await tempDir("ork-trace-");
  const init = await ork(["init"], { cwd: repo.dir });
  assert.equal(init.code, 0, init.stderr);
  const text = (options.sandbox === "off" ? "orchestrator:\n  sandbox: off\n" : "") + config;
  if (text) await Deno.writeTextFile(join(repo.dir, "config/orchestrator.yaml"), text);
  await Deno.writeTextFile(join(repo.dir, "config/agent_roles.yaml"), TESTER_ROLES);
  await git(repo.dir, "add", "config");
  await git(repo.dir, "commit", "--quiet", "-m", "ork config");
  const queue = new FsQueue(join(repo.dir, ".ork/queue"));
  return {
    dir: repo.dir,
    trace: trace.dir,
    queue,
    async enqueue(desc, cmd, ...extra) {
      const result = await ork(["enqueue", "--role", "tester", "--desc", desc, "--cmd", cmd, ...extra], {
        cwd: repo.dir,
      });
      assert.equal(result.code, 0, result.stderr);
      return result.stdout.trim();
    },
    run: (...args) => ork(["run", ...args], { cwd: repo.dir }),
    show: (path) => git(repo.dir, "show", `main:${path}`),
    runningWithPid: (id) => async () => {
      const job = await queue.get(id);
      return job.status === "running" && job.pid !== null ? job : undefined;
    },
    async [Symbol.asyncDispose]() {
      await repo[Symbol.asyncDispose]();
      await trace[Symbol.asyncDispose]();
    },
  };
}

/** How many worktrees the repository has (1: only the user's). */
export async function worktreeCount(repo: string): Promise<number> {
  return (await git(repo, "worktree", "list", "--porcelain")).split("\n\n").length;
}

/** Writes `files` (path to content) into `dir`, making folders, and commits them on the branch checked out. */
export async function commitFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await Deno.mkdir(join(dir, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, path), content);
  }
  await git(dir, "add", "--", ...Object.keys(files));
  await git(dir, "commit", "--quiet", "-m", "files");
}

/**
 * A temp folder outside /tmp, which the sandbox hides: a home folder of a test's own, a file a job must not
 * reach, a signal a sandboxed command waits for. Removed when disposed.
 */
export async function outsideTempDir(prefix: string): Promise<{ dir: string } & AsyncDisposable> {
  await Deno.mkdir("/var/tmp", { recursive: true });
  const dir = await Deno.realPath(await Deno.makeTempDir({ dir: "/var/tmp", prefix }));
  return { dir, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}
