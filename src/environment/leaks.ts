/**
 * Where the environment ork runs in points into the user's checkout, so that a job or a gate run without the
 * sandbox would import or require the user's files instead of its own worktree's: an editable install's `.pth`
 * (or `PYTHONPATH`) naming the checkout, a `node_modules` folder above the job worktrees (Node's `require`
 * walks up into it), `NODE_PATH` into the checkout. In the sandbox none of it is visible; without it (macOS,
 * `sandbox: off`) ork can only say so.
 *
 * @module
 */

import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

/** One way the environment reaches into the checkout. */
export interface CheckoutLeak {
  /** What points there, such as a `.pth` file or a variable. */
  readonly source: string;
  /** The path in (or the folder above) the job worktrees it reaches. */
  readonly reaches: string;
}

/**
 * The ways `env` reaches the checkout at `root` from job worktrees in `worktreesDir`.
 *
 * @param root the main worktree's root
 * @param worktreesDir where job worktrees go (`worktree_base`)
 * @param env the environment jobs and gates inherit
 * @returns the leaks found, none when the environment is clean
 */
export async function checkoutLeaks(
  root: string,
  worktreesDir: string,
  env: Readonly<Record<string, string>>,
): Promise<CheckoutLeak[]> {
  const inCheckout = (path: string): boolean => isInside(path, root) && !isInside(path, worktreesDir);
  const leaks: CheckoutLeak[] = [];
  for (const variable of ["PYTHONPATH", "NODE_PATH"]) {
    for (const entry of (env[variable] ?? "").split(":").filter((part) => part !== "")) {
      const path = resolve(root, entry);
      if (isAbsolute(entry) && inCheckout(path)) leaks.push({ source: `$${variable}`, reaches: path });
    }
  }
  for (const site of await sitePackages(env.VIRTUAL_ENV)) {
    for await (const entry of safeReadDir(site)) {
      if (!entry.isFile || !entry.name.endsWith(".pth")) continue;
      const text = await Deno.readTextFile(join(site, entry.name)).catch(() => "");
      for (const line of text.split("\n").map((part) => part.trim())) {
        if (line.startsWith("/") && inCheckout(line)) {
          leaks.push({ source: join(site, entry.name), reaches: line });
        }
      }
    }
  }
  // Node looks for node_modules in every folder from the worktree up to /.
  for (let dir = resolve(worktreesDir);; dir = dirname(dir)) {
    const modules = join(dir, "node_modules");
    if (await Deno.stat(modules).then((info) => info.isDirectory, () => false)) {
      leaks.push({ source: "Node's module lookup from the job worktrees", reaches: modules });
    }
    if (dirname(dir) === dir) break;
  }
  return leaks;
}

/**
 * The leaks in one line: the first, and how many more.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   describeLeaks([{ source: "$PYTHONPATH", reaches: "/r/src" }, { source: "x", reaches: "/r/node_modules" }]),
 *   "$PYTHONPATH reaches /r/src (and 1 more)",
 * );
 * ```
 */
export function describeLeaks(leaks: readonly CheckoutLeak[]): string {
  const [first] = leaks;
  if (first === undefined) return "";
  return `${first.source} reaches ${first.reaches}${
    leaks.length > 1 ? ` (and ${leaks.length - 1} more)` : ""
  }`;
}

/** The site-packages folders of a venv (`lib/python3.X/site-packages`), none without one. */
async function sitePackages(venv: string | undefined): Promise<string[]> {
  if (venv === undefined || venv === "") return [];
  const found: string[] = [];
  for await (const entry of safeReadDir(join(venv, "lib"))) {
    if (entry.name.startsWith("python")) found.push(join(venv, "lib", entry.name, "site-packages"));
  }
  return found;
}

async function* safeReadDir(dir: string): AsyncIterable<Deno.DirEntry> {
  try {
    yield* Deno.readDir(dir);
  } catch {
    // Missing or unreadable: nothing there to leak.
  }
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
