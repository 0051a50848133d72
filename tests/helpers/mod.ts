/**
 * Test helpers: real git repositories in temp dirs and the real CLI run as a process.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

/** The checkout's root. */
export const CHECKOUT = fromFileUrl(new URL("../../", import.meta.url));
/** ork's entry point in the checkout. */
export const MAIN_TS = fromFileUrl(new URL("../../main.ts", import.meta.url));
/** The checkout's deno.json. */
export const DENO_JSON = fromFileUrl(new URL("../../deno.json", import.meta.url));

/** What a finished process left behind. */
export interface RunResult {
  /** Exit code. */
  code: number;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/** Runs a program to the end and returns its exit code and output. */
export async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; stdin?: string; clearEnv?: boolean } = {},
): Promise<RunResult> {
  const child = new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    env: opts.env,
    clearEnv: opts.clearEnv ?? false,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (opts.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(opts.stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/**
 * Deno's cache of this test run (its npm packages): kept for an ork started with a HOME of a test's own, which
 * would otherwise look for the cache below that HOME and fetch every package again.
 */
const DENO_DIR = Deno.env.get("DENO_DIR") ??
  join(Deno.env.get("XDG_CACHE_HOME") ?? join(Deno.env.get("HOME") ?? "/root", ".cache"), "deno");

/** Runs the real ork CLI from source (`deno run main.ts`) as a process. */
export function ork(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<RunResult> {
  return run(Deno.execPath(), ["run", "--allow-all", "--quiet", "--config", DENO_JSON, MAIN_TS, ...args], {
    ...opts,
    env: { NO_COLOR: "1", DENO_DIR, ...opts.env },
  });
}

/** Runs git in `dir` and returns its trimmed stdout; throws on a non-zero exit. */
export async function git(dir: string, ...args: string[]): Promise<string> {
  const result = await run("git", ["-C", dir, ...args]);
  if (result.code !== 0) throw new Error(`git ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
  return result.stdout.trim();
}

/** A temp git repository with one commit on `main`; removed when disposed. */
export interface TempRepo extends AsyncDisposable {
  /** The repository's root. */
  readonly dir: string;
}

/** Makes a real git repository in a temp dir with an initial commit on branch `main`. */
export async function tempRepo(): Promise<TempRepo> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ork-test-" }));
  await git(dir, "init", "--quiet", "--initial-branch=main");
  await git(dir, "config", "user.name", "Test");
  await git(dir, "config", "user.email", "test@example.com");
  await Deno.writeTextFile(`${dir}/README.md`, "# test repo\n");
  await git(dir, "add", "README.md");
  await git(dir, "commit", "--quiet", "-m", "initial");
  return {
    dir,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

/** A temp dir removed when disposed. */
export async function tempDir(prefix = "ork-test-"): Promise<{ dir: string } & AsyncDisposable> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix }));
  return { dir, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

/** Every file below `dir` with its content, for before/after comparisons ("nothing changed"). */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  async function walk(path: string, rel: string): Promise<void> {
    for await (const entry of Deno.readDir(path)) {
      const full = `${path}/${entry.name}`;
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory) {
        files[`${name}/`] = "";
        await walk(full, name);
      } else if (entry.isFile) files[name] = await Deno.readTextFile(full);
    }
  }
  try {
    await walk(dir, "");
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return files;
}

/** True when something exists at `path`. */
export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Starts the real ork CLI as a background process (a runner), its output piped. */
export function spawnOrk(
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", "--config", DENO_JSON, MAIN_TS, ...args],
    cwd: opts.cwd,
    env: { NO_COLOR: "1", DENO_DIR, ...opts.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Waits until `check` returns a value other than undefined/false, polling; throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** True when any process's command line contains `marker` (pgrep -f). */
export async function processRunning(marker: string): Promise<boolean> {
  const result = await run("pgrep", ["-f", marker]);
  return result.code === 0;
}

/** Builds the one-file bundle with `scripts/bundle.ts` of `checkout` (this one by default) into `output`. */
export async function buildBundle(output: string, checkout: string = CHECKOUT): Promise<void> {
  const built = await run(Deno.execPath(), [
    "run",
    "--allow-all",
    join(checkout, "scripts/bundle.ts"),
    output,
  ]);
  if (built.code !== 0) throw new Error(`scripts/bundle.ts failed (${built.code}): ${built.stderr}`);
}

/**
 * A runner that is gone: the pid of a process that has exited, and the runner and worker names ork would have
 * given it a minute ago (no lock of it exists).
 */
export async function deadRunner(): Promise<{ pid: number; name: string; worker: string }> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  const name = `runner-${child.pid}-${Date.now() - 60_000}`;
  return { pid: child.pid, name, worker: `${name}@${Deno.hostname()}#1` };
}
