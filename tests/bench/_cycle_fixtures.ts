/**
 * Fixtures of the job-cycle bench: generated repositories (a small one and a 5,000-file one), one clone per
 * variant, the two shell-script baselines, ork run as a process, and the summary table.
 *
 * A repository's content is generated once, into a bare repository written by one `git fast-import` (one pack, as
 * a clone would have); each variant gets its own local clone of it (objects hard-linked, files checked out once),
 * so that no variant's commits or checkout state reach another's.
 *
 * @module
 */

import { join } from "node:path";
import { FsQueue } from "../../src/queue/mod.ts";
import { DENO_JSON, git, MAIN_TS, ork, run, type RunResult } from "../helpers/mod.ts";
import { makeTempDir } from "./_fixtures.ts";

/** Jobs per timed batch. */
export const BATCH = 10;
/** Each job's command: it changes one file (a command that changes nothing completes without landing). */
export const JOB_COMMAND = "echo $ORK_JOB_ID > bench-$ORK_JOB_ID.txt";
/** `deno` arguments that run ork's CLI from source; ork's own arguments follow. */
const ORK_FROM_SOURCE = ["run", "--allow-all", "--quiet", "--config", DENO_JSON, MAIN_TS] as const;

/** The one merge gate. */
export const GATE_COMMAND = "true";

/** A generated repository's shape. */
export interface RepoShape {
  /** Its name in bench names and the table. */
  readonly name: string;
  /** Files in its one commit. */
  readonly files: number;
  /** Folders they are spread over (two levels deep). */
  readonly folders: number;
  /** Bytes per file. */
  readonly fileBytes: number;
}

/** A small repository: 10 files. */
export const SMALL: RepoShape = { name: "small", files: 10, folders: 2, fileBytes: 1_200 };
/** 5,000 files of 11.6 KB (58 MB) in 250 folders. */
export const LARGE: RepoShape = { name: "5000 files", files: 5_000, folders: 250, fileBytes: 11_600 };

const encoder = new TextEncoder();

/** A deterministic generator of 32-bit numbers (xorshift32). */
function xorshift(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

const SYLLABLES = [
  "ka",
  "lo",
  "min",
  "ter",
  "su",
  "vel",
  "ra",
  "dix",
  "on",
  "pe",
  "quo",
  "zan",
  "mi",
  "tor",
  "el",
];

/** 600 made-up words, the same every time. */
const WORDS = (() => {
  const next = xorshift(42);
  return Array.from({ length: 600 }, () => {
    let word = "";
    for (let n = 2 + (next() % 3); n > 0; n--) word += SYLLABLES[next() % SYLLABLES.length];
    return word;
  });
})();

/** `bytes` bytes of random-ish text (words, lines of 60-80 characters), different for each `seed`. */
export function randomText(seed: number, bytes: number): string {
  const next = xorshift(seed * 2_654_435_761);
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const width = 60 + (next() % 21);
    let line = WORDS[next() % WORDS.length]!;
    while (line.length < width) line += ` ${WORDS[next() % WORDS.length]}`;
    line = `${line.slice(0, Math.min(width, bytes - size - 1))}\n`;
    lines.push(line);
    size += line.length;
  }
  return lines.join("");
}

/** Where file `i` of a repository of this shape goes: `dNN/sNN/file-NNNN.txt`. */
function filePath(shape: RepoShape, i: number): string {
  const folder = i % shape.folders;
  const top = Math.floor(folder / 10);
  return `d${String(top).padStart(2, "0")}/s${folder % 10}/file-${String(i).padStart(4, "0")}.txt`;
}

/**
 * Generates a bare repository with one commit on `main` holding `shape.files` files of random-ish text, written
 * in one pack by `git fast-import`.
 *
 * @returns the bare repository's path
 */
export async function generateRepo(shape: RepoShape, parent: string): Promise<string> {
  const dir = join(parent, "source.git");
  await run("git", ["init", "--quiet", "--bare", "--initial-branch=main", dir]);
  const child = new Deno.Command("git", {
    args: ["fast-import", "--quiet"],
    cwd: dir,
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const message = `${shape.files} generated files\n`;
  await writer.write(encoder.encode(
    `commit refs/heads/main\ncommitter Bench <bench@example.com> 1700000000 +0000\n` +
      `data ${message.length}\n${message}`,
  ));
  for (let i = 0; i < shape.files; i++) {
    const text = randomText(i + 1, shape.fileBytes);
    await writer.write(
      encoder.encode(`M 100644 inline ${filePath(shape, i)}\ndata ${text.length}\n${text}\n`),
    );
  }
  await writer.close();
  const { code, stderr } = await child.output();
  if (code !== 0) throw new Error(`git fast-import failed: ${new TextDecoder().decode(stderr)}`);
  return dir;
}

/** Clones `source` to `dest` (a local clone: objects hard-linked), with an identity and no automatic gc. */
async function cloneRepo(source: string, dest: string, opts: { bare?: boolean } = {}): Promise<string> {
  const result = await run("git", [
    "clone",
    "--quiet",
    "--local",
    ...(opts.bare ? ["--bare"] : []),
    source,
    dest,
  ]);
  if (result.code !== 0) throw new Error(`git clone failed: ${result.stderr}`);
  await git(dest, "config", "user.name", "Bench");
  await git(dest, "config", "user.email", "bench@example.com");
  // gc --auto must not start in the middle of a timed batch in one variant and not in another.
  await git(dest, "config", "gc.auto", "0");
  return dest;
}

/** Refreshes a checkout's index (no racily clean entries left for the first timed command to re-read). */
async function settle(worktree: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await git(worktree, "status", "--porcelain");
}

/** The ork variant's repository: `ork init`, then a config with the one gate, committed. */
export async function setUpOrkRepo(
  source: string,
  parent: string,
  name = "ork",
): Promise<{ repo: string; queue: FsQueue }> {
  const repo = await cloneRepo(source, join(parent, name));
  const init = await ork(["init", "-C", repo]);
  if (init.code !== 0) throw new Error(`ork init failed: ${init.stderr}`);
  await Deno.writeTextFile(
    join(repo, "config/orchestrator.yaml"),
    `merge_gates:\n  - name: noop\n    command: "${GATE_COMMAND}"\n`,
  );
  await git(repo, "add", "config");
  await git(repo, "commit", "--quiet", "-m", "ork config: one gate");
  await settle(repo);
  const empty = await orkRunOnce(repo); // checks the config and fills the config cache
  if (empty.code !== 0) throw new Error(`ork run --once on an empty queue failed: ${empty.stderr}`);
  return { repo, queue: new FsQueue(join(repo, ".ork/queue")) };
}

/** A running `ork run` daemon on its own clone, with its worker's worktree already made by a first job. */
export interface Daemon {
  readonly repo: string;
  readonly queue: FsQueue;
  readonly child: Deno.ChildProcess;
}

/**
 * The daemon variant: `ork run --workers 1` kept running, as a user running ork as a service has it, so that a
 * batch measures the cycle itself (the run's start-up and its first checkout are paid once, here). It runs one
 * job before it is handed out, so that its worktree exists.
 */
export async function setUpDaemon(source: string, parent: string): Promise<Daemon> {
  const { repo, queue } = await setUpOrkRepo(source, parent, "ork-daemon");
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...ORK_FROM_SOURCE,
      "run",
      "--workers",
      "1",
      "--poll",
      "0.02",
    ],
    cwd: repo,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const daemon = { repo, queue, child };
  queue.enqueueSync({ role: "bug-catcher", description: "warm-up job", command: JOB_COMMAND });
  await waitForArchived(daemon, 1);
  return daemon;
}

/** Resolves once `count` jobs of the daemon's repository are archived; throws if one of them did not complete. */
export async function waitForArchived(daemon: Daemon, count: number): Promise<void> {
  const archive = join(daemon.repo, ".ork/archive");
  for (;;) {
    let archived = 0;
    try {
      for (const _ of Deno.readDirSync(archive)) archived++;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (archived >= count) break;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const stats = await daemon.queue.stats();
  if (stats.completed !== count) {
    throw new Error(`the daemon did not complete every job: ${JSON.stringify(stats)}`);
  }
}

/** The naive variant's repository, checked out on `main`; its job worktrees go to `<parent>/naive-wt`. */
export async function setUpNaiveRepo(
  source: string,
  parent: string,
): Promise<{ repo: string; wtBase: string }> {
  const repo = await cloneRepo(source, join(parent, "naive"));
  await settle(repo);
  const wtBase = join(parent, "naive-wt");
  await Deno.mkdir(wtBase);
  return { repo, wtBase };
}

/**
 * The minimal variant's repository: bare (no checkout of the target to bring forward), with the one worktree it
 * reuses for every job, created here, outside any timed part.
 */
export async function setUpMinimalRepo(
  source: string,
  parent: string,
): Promise<{ repo: string; wt: string }> {
  const repo = await cloneRepo(source, join(parent, "minimal.git"), { bare: true });
  const wt = join(parent, "minimal-wt");
  await git(repo, "worktree", "add", "--quiet", "--detach", wt, "main");
  await settle(wt);
  return { repo, wt };
}

/**
 * The (c) variant's repository: a clone with `main` checked out (a user's checkout to bring forward), one job
 * worktree made once, and a folder for the durable records.
 */
export async function setUpPromisesRepo(
  source: string,
  parent: string,
): Promise<{ repo: string; wt: string; gitDir: string; records: string }> {
  const repo = await cloneRepo(source, join(parent, "promises"));
  const wt = join(parent, "promises-wt", "wt-0");
  await git(repo, "worktree", "add", "--quiet", "--detach", wt, "main");
  const records = join(parent, "promises-records");
  await Deno.mkdir(records);
  await settle(wt);
  return { repo, wt, gitDir: join(repo, ".git", "worktrees", "wt-0"), records };
}

/**
 * (c) What ork's promises cost a cycle when a shell script keeps them with the least work: the job's worktree
 * renamed for it (`git worktree move`); the command and the gate in bubblewrap with ork's mounts (each with an
 * empty object store of its own, the repository's read-only as its alternate); `git add -A`,
 * `write-tree` and `commit-tree` for the job's commit, ignored files removed (`git clean`); the candidate by
 * `commit-tree` (the job started from the tip); `update-ref` with the old value; the user's checkout brought
 * forward (`read-tree -m -u`); the worktree checked and cleaned after the gate (`diff-files`, `clean`); and the
 * six durable records ork writes per job (claim, names, pid, gate pid, landing intent, completion), each a file
 * written, fsynced and renamed, then its folder fsynced. Not done: ork's copy of the index, the job's branch,
 * the cancel watch, the event log. Env: REPO, WT, GIT_DIR_OF_WT, RECORDS, BATCH_ID, JOBS, JOB_COMMAND,
 * GATE_COMMAND.
 */
export const PROMISES_SCRIPT = `set -eu
record() { printf '{"id":"%s","step":"%s"}\\n' "$1" "$2" > "$RECORDS/$1.tmp"; sync "$RECORDS/$1.tmp"
  mv "$RECORDS/$1.tmp" "$RECORDS/$1.json"; sync "$RECORDS"; }
sandboxed() { rm -rf "$GIT_DIR_OF_WT/ork-objects" "$GIT_DIR_OF_WT/ork-store"
  mkdir -p "$GIT_DIR_OF_WT/ork-objects/info" "$GIT_DIR_OF_WT/ork-store"
  echo "$GIT_DIR_OF_WT/ork-store" > "$GIT_DIR_OF_WT/ork-objects/info/alternates"
  bwrap --die-with-parent --unshare-pid --cap-drop ALL --ro-bind / / --dev /dev --proc /proc \\
  --tmpfs /tmp --setenv TMPDIR /tmp --ro-bind "$REPO" "$REPO" --bind "$GIT_DIR_OF_WT" "$GIT_DIR_OF_WT" \\
  --bind "$WT" "$WT" --ro-bind "$REPO/.git/objects" "$GIT_DIR_OF_WT/ork-store" \\
  --bind "$GIT_DIR_OF_WT/ork-objects" "$REPO/.git/objects" --ro-bind "$WT/.git" "$WT/.git" \\
  --chdir "$WT" --setenv ORK_JOB_ID "$1" -- /bin/sh -c "$2"; }
wt_base=$(dirname "$WT")
for i in $(seq 1 "$JOBS"); do
  id="promises-$BATCH_ID-$i"
  record "$id" claimed
  record "$id" names
  tip=$(git -C "$REPO" rev-parse refs/heads/main)
  git -C "$REPO" worktree move "$WT" "$wt_base/wt-$id"
  WT="$wt_base/wt-$id"
  sandboxed "$id" "$JOB_COMMAND"
  record "$id" pid
  git -C "$WT" add -A
  tree=$(git -C "$WT" write-tree)
  git -C "$WT" clean -ffdxq
  job=$(git -C "$WT" commit-tree -p "$tip" -m "job $id" "$tree")
  candidate=$(git -C "$REPO" commit-tree -p "$tip" -p "$job" -m "Merge job $id" "$tree")
  printf '%s\\n' "$candidate" > "$GIT_DIR_OF_WT/HEAD"
  sandboxed "$id" "$GATE_COMMAND"
  record "$id" gate-pid
  record "$id" intent
  git -C "$REPO" update-ref refs/heads/main "$candidate" "$tip"
  git -C "$REPO" read-tree -m -u "$tip" "$candidate"
  record "$id" done
  git -C "$WT" diff-files --quiet
  git -C "$WT" clean -ffdxq
done
git -C "$REPO" worktree move "$WT" "$wt_base/wt-0"
`;

/**
 * (a) The naive cycle, per job: a new worktree, the command, `git add -A && git commit`, a --no-ff merge into the
 * checkout of `main`, the gate, `git worktree remove`. Env: REPO, WT_BASE, BATCH_ID, JOBS, JOB_COMMAND,
 * GATE_COMMAND.
 */
export const NAIVE_SCRIPT = `set -eu
for i in $(seq 1 "$JOBS"); do
  id="naive-$BATCH_ID-$i"
  wt="$WT_BASE/wt-$i"
  git -C "$REPO" worktree add --quiet --detach "$wt" main
  (cd "$wt" && ORK_JOB_ID="$id" sh -c "$JOB_COMMAND")
  git -C "$wt" add -A
  git -C "$wt" commit --quiet -m "job $id"
  git -C "$REPO" merge --quiet --no-ff -m "Merge job $id" "$(git -C "$wt" rev-parse HEAD)"
  (cd "$REPO" && ORK_JOB_ID="$id" sh -c "$GATE_COMMAND")
  git -C "$REPO" worktree remove --force "$wt"
done
`;

/**
 * (b) The least git work a cycle needs, per job, in one worktree kept across jobs: move it to the tip, the
 * command, `git add -A`, `git commit`, the candidate by merge-tree and commit-tree, the gate, compare-and-swap
 * of `main`. The gate runs in the worktree at the job's commit: in a serial batch the target does not move
 * between a job's start and its landing, so the candidate's tree is the job's tree. Env: REPO, WT, BATCH_ID,
 * JOBS, JOB_COMMAND, GATE_COMMAND.
 */
export const MINIMAL_SCRIPT = `set -eu
for i in $(seq 1 "$JOBS"); do
  id="minimal-$BATCH_ID-$i"
  tip=$(git -C "$REPO" rev-parse refs/heads/main)
  git -C "$WT" checkout --quiet --detach --force "$tip"
  (cd "$WT" && ORK_JOB_ID="$id" sh -c "$JOB_COMMAND")
  git -C "$WT" add -A
  git -C "$WT" commit --quiet -m "job $id"
  job=$(git -C "$WT" rev-parse HEAD)
  tree=$(git -C "$REPO" merge-tree --write-tree "$tip" "$job")
  candidate=$(git -C "$REPO" commit-tree -p "$tip" -p "$job" -m "Merge job $id" "$tree")
  (cd "$WT" && ORK_JOB_ID="$id" sh -c "$GATE_COMMAND")
  git -C "$REPO" update-ref refs/heads/main "$candidate" "$tip"
done
`;

let batches = 0;

/** Runs one of the scripts above for a batch of {@link BATCH} jobs; throws when it fails. */
export async function runScript(script: string, env: Record<string, string>): Promise<void> {
  const result = await run("bash", ["-c", script], {
    env: { ...env, BATCH_ID: String(++batches), JOBS: String(BATCH), JOB_COMMAND, GATE_COMMAND },
  });
  if (result.code !== 0) throw new Error(`the script failed (${result.code}): ${result.stderr}`);
}

/** Puts {@link BATCH} jobs in the queue. */
export function enqueueBatch(queue: FsQueue): void {
  for (let i = 0; i < BATCH; i++) {
    queue.enqueueSync({ role: "bug-catcher", description: "bench job", command: JOB_COMMAND });
  }
}

/** `ork run --once --workers 1 -C <repo>`, the real CLI from source. */
export function orkRunOnce(repo: string): Promise<RunResult> {
  return run(
    Deno.execPath(),
    [
      ...ORK_FROM_SOURCE,
      "run",
      "--once",
      "--workers",
      "1",
      "-C",
      repo,
    ],
    { env: { NO_COLOR: "1" } },
  );
}

/** Throws unless a batch ran every job to a landing and left no worktree behind. */
export async function checkOrkBatch(repo: string, result: RunResult): Promise<void> {
  if (result.code !== 0 || !result.stdout.includes(`${BATCH} completed, 0 failed`)) {
    throw new Error(`ork run exited ${result.code}: ${result.stdout}${result.stderr}`);
  }
  const left = [...Deno.readDirSync(join(repo, ".ork/worktrees"))];
  if (left.length > 0) throw new Error(`ork left worktrees behind: ${left.map((e) => e.name).join(", ")}`);
  const worktrees = await git(repo, "worktree", "list", "--porcelain");
  if (worktrees.split("\n").filter((l) => l.startsWith("worktree ")).length !== 1) {
    throw new Error(`worktrees left registered:\n${worktrees}`);
  }
}

/** Throws unless `main` of `repo` moved by `2 * BATCH` commits (a job's commit and its merge, per job). */
export async function checkLanded(repo: string, before: string): Promise<string> {
  const after = await git(repo, "rev-parse", "refs/heads/main");
  const count = Number(await git(repo, "rev-list", "--count", `${before}..${after}`));
  if (count !== 2 * BATCH) throw new Error(`main moved by ${count} commits, not ${2 * BATCH}`);
  return after;
}

/** A temp dir of its own for each repository shape and variant, removed when the process ends. */
export function benchDir(shape: RepoShape): string {
  return makeTempDir(`ork-bench-cycle-${shape.files}-`);
}

/**
 * Every batch's time, by bench. Deno.bench (2.9) calls an iteration this long once as its warm-up and then
 * `n + 1` times, and its avg is the mean of the calls after the first: {@link Samples.mean} does the same.
 */
export class Samples {
  readonly #times = new Map<string, number[]>();

  /** Records one batch's time. */
  add(key: string, ms: number): void {
    const list = this.#times.get(key) ?? [];
    list.push(ms);
    this.#times.set(key, list);
  }

  /** The mean time of the batches of `key` after the first (the warm-up), or NaN when there are none. */
  mean(key: string): number {
    const list = (this.#times.get(key) ?? []).slice(1);
    return list.length === 0 ? NaN : list.reduce((sum, t) => sum + t, 0) / list.length;
  }
}

function ms(value: number): string {
  return Number.isNaN(value) ? "-" : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
}

function ratio(value: number): string {
  return Number.isNaN(value) ? "-" : `${value.toFixed(2)}x`;
}

/** One row of the summary: per-job times, from the mean batch times. */
export interface Row {
  /** The repository's name. */
  name: string;
  /** ork's batch (start-up included), per job. */
  ork: number;
  /** (a), per job. */
  naive: number;
  /** (b), per job. */
  minimal: number;
  /** `ork run --once` on an empty queue: the start-up and fixed cost of one run. */
  startup: number;
  /** A running daemon's batch, per job: the cycle without the run's start-up and first checkout. */
  daemon: number;
  /** (c), per job. */
  promises: number;
}

/** The summary as a markdown table. */
export function table(rows: Row[]): string {
  const lines = [
    "| repository | ork run --once per job | ork daemon per job | (a) naive | (b) minimal | (c) promises | once/(a) | once/(b) | daemon/(b) | daemon/(c) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.name} | ${ms(r.ork)} | ${ms(r.daemon)} | ${ms(r.naive)} | ${ms(r.minimal)} | ${
        ms(r.promises)
      } | ` +
        `${ratio(r.ork / r.naive)} | ${ratio(r.ork / r.minimal)} | ${ratio(r.daemon / r.minimal)} | ` +
        `${ratio(r.daemon / r.promises)} |`,
    );
  }
  return lines.join("\n");
}
