/**
 * The bubblewrap sandbox of one job worktree: which paths a job (or a gate) may write, and the `bwrap`
 * arguments that say so.
 *
 * Inside, the whole filesystem is read-only except the job's worktree and the worktree's own git dir
 * `.git/worktrees/<name>/` (its HEAD, index and reflog); `/tmp` is private and empty. The user's checkout is
 * not there at all: its folder is an empty read-only one holding only the repository's git dir (read-only,
 * other worktrees' entries hidden) and the job's worktree, so what a job or a gate imports, requires or reads is
 * the candidate's, never the user's files (a venv's `.pth` naming `<root>/src`, Node's walk up to
 * `<root>/node_modules`); other job worktrees are hidden the same way. At `.git/objects` the
 * command finds an object store of its own, empty at its start, whose alternate is the repository's store
 * mounted read-only (see `git/objects.ts`): it can commit, and cannot write one of the repository's objects.
 * Every shared ref, the main worktree, `.ork/` and `$HOME` are therefore out of reach: `git update-ref
 * refs/heads/main ...` or a commit in the main worktree fails on a read-only file system. The network is
 * shared, since agents call APIs.
 *
 * Processes: `--unshare-pid` gives the sandbox its own PID namespace whose init is bwrap's child, so nothing
 * started inside (a double fork, a `setsid`) can outlive it, and `--die-with-parent` makes bwrap and that init
 * die with the runner, taking every process of the namespace with them, even when the runner is SIGKILLed.
 * Capabilities are dropped: ork may run as root (CI does), and root with `CAP_SYS_ADMIN` could simply remount
 * `/` read-write inside the sandbox.
 *
 * @module
 */

import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { isAlreadyExists, isNotFound, OrkError } from "../errors/mod.ts";
import { gitCommonDir, JOB_OBJECTS, JOB_STORE_VIEW, prepareJobObjects } from "../git/mod.ts";
import type { Sandbox } from "./detect.ts";

/**
 * The arguments every sandbox starts with, also used for the trial run: the namespaces, the capability drop
 * and the read-only view of the system. Mounts apply in order, each on top of the ones before.
 */
export const BWRAP_BASE_ARGS: readonly string[] = Object.freeze([
  "--die-with-parent",
  "--unshare-pid",
  "--cap-drop",
  "ALL",
  "--ro-bind",
  "/",
  "/",
  "--dev",
  "/dev",
  "--proc",
  "/proc",
  "--tmpfs",
  "/tmp",
  // A TMPDIR of the host's (often below /tmp, or somewhere read-only now) would point nowhere useful.
  "--setenv",
  "TMPDIR",
  "/tmp",
]);

/** The paths one sandbox is built from; absolute and free of symlinks (see {@link sandboxPaths}). */
export interface SandboxPaths {
  /** The main worktree's root; hidden (an empty read-only folder holding only what ork mounts in it). */
  readonly root: string;
  /** The git dir shared by all worktrees (normally `<root>/.git`); visible read-only. */
  readonly gitCommonDir: string;
  /** Where the repository's objects are (normally `<gitCommonDir>/objects`); writable. */
  readonly objectsDir: string;
  /** The job's worktree; writable, except its `.git` file. */
  readonly worktree: string;
  /** The worktree's own git dir, `<gitCommonDir>/worktrees/<name>`; writable, except the files naming it. */
  readonly worktreeGitDir: string;
  /** More folders the command may write (they must exist); none by default. */
  readonly extraWritable?: readonly string[];
  /** The repository's alternate object stores that exist, absolute and free of symlinks; visible read-only. */
  readonly alternates?: readonly string[];
  /** Files of the shared git dir that hold the user's uncommitted work: their index. */
  readonly userFiles?: readonly string[];
}

/**
 * The files of the shared git dir that hold the user's work in progress rather than the repository's history:
 * the index, which git keeps for good (a message being written, `MERGE_MSG`, comes and goes: a mount on it would
 * fail once the user's git removed it).
 */
const USER_GIT_FILES = ["index"] as const;

/** What {@link execInGroup} needs to start a command inside bubblewrap. */
export interface ExecSandbox {
  /** The only kind there is; a tag, so that a later kind cannot be confused with this one. */
  readonly kind: "bwrap";
  /** The `bwrap` binary. */
  readonly bwrap: string;
  /** Its arguments up to (not including) `--chdir`, `--` and the command. */
  readonly args: readonly string[];
  /** Run before each command: its private object store starts empty (see `prepareJobObjects` in `git/`). */
  readonly prepare: () => Promise<void>;
  /** Where the private object store is (the worktree's git dir) and where its objects go (the repository's). */
  readonly store: { readonly worktreeGitDir: string; readonly objectsDir: string };
}

/**
 * The files of a worktree's git plumbing that say which repository it belongs to. They are mounted read-only
 * on top of the writable worktree and git dir: git commands ork runs later outside the sandbox (`git add -A`,
 * `checkout --force`) follow them, so a job that pointed them at a repository of its own making (say, one
 * whose config sets `core.fsmonitor` to a command) would run code outside the sandbox. `config.worktree` is
 * per-worktree config, read when the repository enables `extensions.worktreeConfig`.
 */
const PINNED_GIT_DIR_FILES = ["commondir", "gitdir", "config.worktree"] as const;

/**
 * The `bwrap` arguments that confine a command to `paths` (without `--chdir`, `--` and the command). Pure: it
 * checks nothing on disk.
 *
 * @param paths what the sandbox is built from
 * @returns the arguments, to be followed by `--chdir <cwd> -- <command...>`
 */
export function bwrapArgs(paths: SandboxPaths): string[] {
  const args = [...BWRAP_BASE_ARGS];
  const readOnly = (path: string): void => void args.push("--ro-bind", path, path);
  const writable = (path: string): void => void args.push("--bind", path, path);
  // An empty tmpfs in place of a folder, made read-only once every mount inside it is in place (bwrap makes
  // their mount points in it); a remount is not recursive, so what is mounted inside keeps its own mode.
  const hidden: string[] = [];
  const hide = (path: string): void => {
    args.push("--tmpfs", path);
    hidden.push(path);
  };
  // The user's checkout, with .ork/ and every worktree in it; below /tmp (every test's) it is made anew.
  hide(paths.root);
  // git needs the repository's git dir; the other worktrees' entries in it (their index, their HEAD) stay out.
  readOnly(paths.gitCommonDir);
  // What the user staged: unreadable inside (the job's git reads its own worktree's index).
  for (const file of paths.userFiles ?? []) args.push("--ro-bind", "/dev/null", file);
  hide(join(paths.gitCommonDir, "worktrees"));
  // Job worktrees outside the checkout (an absolute worktree_base): their neighbours stay out too.
  if (!isInside(paths.worktree, paths.root)) hide(dirname(paths.worktree));
  writable(paths.worktreeGitDir);
  writable(paths.worktree);
  for (const extra of paths.extraWritable ?? []) writable(extra);
  // Shown again where the private /tmp or the hidden checkout hid them: the stores the repository borrows
  // objects from.
  for (const alternate of paths.alternates ?? []) readOnly(alternate);
  // The repository's objects, read-only, where the command's own store finds them as its alternate; then that
  // store where git looks for the repository's objects (sources are the host's paths). The store's own entry in
  // the git dir is pinned too: a mount point cannot be renamed or replaced by a symlink, which ork, importing
  // from it outside the sandbox, would follow.
  const own = join(paths.worktreeGitDir, JOB_OBJECTS);
  args.push("--ro-bind", paths.objectsDir, join(paths.worktreeGitDir, JOB_STORE_VIEW));
  args.push("--ro-bind", own, own);
  args.push("--bind", own, paths.objectsDir);
  // Last, so that no writable mount above covers them again.
  readOnly(join(paths.worktree, ".git"));
  for (const name of PINNED_GIT_DIR_FILES) readOnly(join(paths.worktreeGitDir, name));
  for (const path of hidden.reverse()) args.push("--remount-ro", path);
  return args;
}

/**
 * Finds and checks the paths of the sandbox for job worktree `worktree`: its `.git` file must lead to an entry
 * in the repository's `worktrees/` folder whose `commondir` and `gitdir` lead back to the repository and to
 * this worktree. Whatever a job left behind (a rewritten `.git` file, another worker's git dir) is refused
 * rather than mounted writable.
 *
 * Creates an empty `config.worktree` in the worktree's git dir when there is none, so that it can be pinned
 * (an empty file is the same to git as none).
 *
 * @param root the main worktree's root
 * @param worktree the job's worktree (a linked worktree of `root`'s repository)
 * @returns the paths, absolute and with symlinks resolved
 * @throws {OrkError} `git-failed` when the worktree's git plumbing is missing or points elsewhere
 */
export async function sandboxPaths(root: string, worktree: string): Promise<SandboxPaths> {
  const realRoot = await Deno.realPath(root);
  const realWorktree = await Deno.realPath(worktree);
  const common = await Deno.realPath(gitCommonDir(realRoot));
  const broken = (why: string): OrkError =>
    new OrkError(
      "git-failed",
      `cannot sandbox ${worktree}: ${why}`,
      "remove the worktree ('ork clean') and let ork create it again",
    );

  const dotGit = join(realWorktree, ".git");
  await requireRegularFile(dotGit, broken);
  const match = /^gitdir:\s*(.+)$/m.exec(await Deno.readTextFile(dotGit));
  if (!match?.[1]) throw broken(`${dotGit} does not name a git dir`);
  let gitDir: string;
  try {
    gitDir = await Deno.realPath(resolve(realWorktree, match[1].trim()));
  } catch (error) {
    if (isNotFound(error)) throw broken(`its git dir ${match[1].trim()} does not exist`);
    throw error;
  }
  if (dirname(gitDir) !== join(common, "worktrees")) {
    throw broken(`its git dir ${gitDir} is not an entry of ${join(common, "worktrees")}`);
  }
  for (const name of ["commondir", "gitdir"]) await requireRegularFile(join(gitDir, name), broken);
  const commondir = (await Deno.readTextFile(join(gitDir, "commondir"))).trim();
  if (await realPathOrNull(resolve(gitDir, commondir)) !== common) {
    throw broken(`${join(gitDir, "commondir")} does not lead to ${common}`);
  }
  const back = (await Deno.readTextFile(join(gitDir, "gitdir"))).trim();
  if (await realPathOrNull(isAbsolute(back) ? back : resolve(gitDir, back)) !== dotGit) {
    throw broken(`${join(gitDir, "gitdir")} does not lead back to ${dotGit}`);
  }
  const worktreeConfig = join(gitDir, "config.worktree");
  try {
    await Deno.writeFile(worktreeConfig, new Uint8Array(), { createNew: true });
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  await requireRegularFile(worktreeConfig, broken);

  const objectsDir = await realPathOrNull(join(common, "objects"));
  if (objectsDir === null) throw broken(`${join(common, "objects")} does not exist`);
  const alternates: string[] = [];
  for (const store of await alternateStores(objectsDir)) {
    const real = await realPathOrNull(store);
    if (real !== null) alternates.push(real);
  }
  const userFiles: string[] = [];
  for (const name of USER_GIT_FILES) {
    const path = join(common, name);
    if (await Deno.lstat(path).then((info) => info.isFile, () => false)) userFiles.push(path);
  }
  return {
    root: realRoot,
    gitCommonDir: common,
    objectsDir,
    worktree: realWorktree,
    worktreeGitDir: gitDir,
    ...(alternates.length > 0 ? { alternates } : {}),
    ...(userFiles.length > 0 ? { userFiles } : {}),
  };
}

/**
 * The `sandbox` field of an `execInGroup` spec for a command that runs in job worktree `worktree`; undefined
 * when `sandbox` is none, so that the command runs unconfined. Call it for each job (a worktree's git dir can
 * change when it is created again); the job's command and its gates, which run in the same worktree, share it.
 *
 * @param sandbox what `detectSandbox` returned
 * @param root the main worktree's root
 * @param worktree the job's worktree
 * @param options folders the command may write besides its worktree
 * @returns the spec's `sandbox`, or undefined
 * @throws {OrkError} `git-failed` when the worktree's git plumbing is broken (see {@link sandboxPaths})
 */
export async function sandboxFor(
  sandbox: Sandbox,
  root: string,
  worktree: string,
  options: { extraWritable?: readonly string[] } = {},
): Promise<ExecSandbox | undefined> {
  if (sandbox.kind === "none") return undefined;
  const paths = await sandboxPaths(root, worktree);
  const extraWritable = await Promise.all((options.extraWritable ?? []).map((path) => Deno.realPath(path)));
  return {
    kind: "bwrap",
    bwrap: sandbox.bwrap,
    args: bwrapArgs({ ...paths, extraWritable }),
    prepare: () => prepareJobObjects(paths.worktreeGitDir, paths.objectsDir),
    store: { worktreeGitDir: paths.worktreeGitDir, objectsDir: paths.objectsDir },
  };
}

/** The stores a repository's `objects/info/alternates` names, as absolute paths. */
async function alternateStores(objectsDir: string): Promise<string[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(objectsDir, "info", "alternates"));
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  return text.split("\n").map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => resolve(objectsDir, line));
}

/** True when `path` is `dir` or below it. */
function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

async function realPathOrNull(path: string): Promise<string | null> {
  try {
    return await Deno.realPath(path);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** A symlink or a folder where git keeps a small file is a job's doing, never git's. */
async function requireRegularFile(path: string, broken: (why: string) => OrkError): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (isNotFound(error)) throw broken(`${path} is missing`);
    throw error;
  }
  if (!info.isFile) throw broken(`${path} is not a regular file`);
}
