/**
 * Fixtures for the git layer's tests: one repository per test file, and commits made with plumbing so that
 * setting up a history never goes through the code under test nor touches a worktree.
 *
 * @module
 */

import { join } from "node:path";
import { git, run, tempRepo } from "../helpers/mod.ts";

/**
 * A repository shared by the tests of one file (they run one after another), removed when the file's tests end.
 * Its last commit on `main` has README.md and a `.gitignore` ignoring `*.log` and `build/`; `.ork/` is excluded.
 */
export async function sharedRepo(): Promise<string> {
  const repo = await tempRepo();
  globalThis.addEventListener("unload", () => Deno.removeSync(repo.dir, { recursive: true }));
  await Deno.writeTextFile(join(repo.dir, ".gitignore"), "*.log\nbuild/\n");
  await git(repo.dir, "add", ".gitignore");
  await git(repo.dir, "commit", "--quiet", "-m", "ignore logs and build output");
  // As `ork init` does, so that job worktrees under .ork/ are not untracked files of the main worktree.
  await Deno.writeTextFile(join(repo.dir, ".git", "info", "exclude"), ".ork/\n");
  return repo.dir;
}

let indexCount = 0;

/**
 * Makes a commit on top of `parent` without a worktree: `files` maps a path to its new content, or to null to
 * delete it.
 *
 * @returns the new commit's sha
 */
export async function commitOn(
  dir: string,
  parent: string,
  files: Record<string, string | null>,
  message = "change",
): Promise<string> {
  const env = { GIT_INDEX_FILE: join(dir, ".git", `test-index-${indexCount++}`) };
  const gitEnv = async (args: string[], stdin?: string): Promise<string> => {
    const result = await run("git", ["-C", dir, ...args], { env, stdin });
    if (result.code !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
    return result.stdout.trim();
  };
  await gitEnv(["read-tree", parent]);
  for (const [path, content] of Object.entries(files)) {
    if (content === null) {
      await gitEnv(["update-index", "--force-remove", "--", path]);
    } else {
      const blob = await gitEnv(["hash-object", "-w", "--stdin"], content);
      await gitEnv(["update-index", "--add", "--cacheinfo", `100644,${blob},${path}`]);
    }
  }
  const tree = await gitEnv(["write-tree"]);
  const commit = await gitEnv(["commit-tree", tree, "-p", parent, "-m", message]);
  await Deno.remove(env.GIT_INDEX_FILE);
  return commit;
}

/** The content of `path` in commit `rev`, or null when the commit has no such file. */
export async function show(dir: string, rev: string, path: string): Promise<string | null> {
  const result = await run("git", ["-C", dir, "show", `${rev}:${path}`]);
  return result.code === 0 ? result.stdout : null;
}

/** The parents of a commit, in order. */
export async function parentsOf(dir: string, commit: string): Promise<string[]> {
  return (await git(dir, "rev-list", "--parents", "-n", "1", commit)).split(" ").slice(1);
}

/** Every ref with its value, to show that nothing moved. */
export function refs(dir: string): Promise<string> {
  return git(dir, "for-each-ref", "--format=%(refname) %(objectname)");
}

/** `git status --porcelain` lines of a worktree, untracked files included, sorted. */
export async function status(dir: string): Promise<string[]> {
  const out = await run("git", ["-C", dir, "status", "--porcelain", "--untracked-files=all"]);
  return out.stdout.split("\n").filter((line) => line !== "").sort();
}

/** Every file of a worktree with its bytes as text, skipping `.git` and `.ork`: "nothing changed" checks. */
export async function workFiles(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  async function walk(rel: string): Promise<void> {
    for await (const entry of Deno.readDir(join(dir, rel))) {
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (name === ".git" || name === ".ork") continue;
      if (entry.isDirectory) {
        files[`${name}/`] = "";
        await walk(name);
      } else {
        files[name] = entry.isSymlink
          ? `-> ${await Deno.readLink(join(dir, name))}`
          : await Deno.readTextFile(join(dir, name));
      }
    }
  }
  await walk("");
  return files;
}
