/**
 * `deno task compile`: builds ork's executables, `dist/ork-<target>` for Linux and macOS on x86_64 and
 * aarch64, and `dist/SHA256SUMS` (the `sha256sum` format) naming exactly those files.
 *
 * It compiles the one-file bundle (`scripts/bundle.ts`), not `main.ts`: the bundle's entry is where the build
 * commit is set, so only a binary made from it can say in `ork --version` which commit it is; and it is the
 * very file the bundle tests run with narrow permissions, so a binary holds nothing those tests did not run.
 *
 * Nothing half-built reaches the output folder: every target is compiled into a staging folder inside it, and
 * only when all of them compiled are they moved in and `SHA256SUMS` written. A failure leaves the folder as
 * it was.
 *
 * Usage: deno run --allow-all scripts/compile.ts [--out-dir <dir>] [--target <target>]... [--bundle <ork.js>]
 *   --out-dir  where the binaries and SHA256SUMS go (default: dist/ in the checkout)
 *   --target   one of TARGETS; may be repeated (default: all four)
 *   --bundle   compile this already-built bundle instead of building one
 *
 * `deno compile` takes each target's runtime (`denort`) from Deno's download host, dl.deno.land, the first
 * time; where that host cannot be reached, `DENORT_BIN=<denort for the target>` with one `--target` works
 * offline (Deno then uses that file for whatever target is asked, hence one target at a time).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import { parseArgs } from "node:util";

/** V8's settings for ork's processes (see `scripts/ork`, which runs ork from source with the same). */
export const V8_FLAGS = "--v8-flags=--max-semi-space-size=1";

/** The platforms ork ships binaries for, as `deno compile --target` names them. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
] as const;

/** One of {@link TARGETS}. */
export type Target = typeof TARGETS[number];

/**
 * The permissions baked into the binaries: all of them. ork reads and writes repositories, runs git, sh and
 * bwrap, reads its environment and the host name; and it watches its jobs' process groups through `/proc`,
 * which Deno opens only to a program with every permission (denoland/deno#23703). With narrower flags a
 * binary would fall back to `ps` for every job and gate. ork needs no network, FFI or imports, but a tool that
 * runs any command line its users give it gains no safety from being denied them.
 */
export const COMPILE_PERMISSIONS: readonly string[] = ["--allow-all"];

/** The name of the checksum file next to the binaries. */
export const CHECKSUMS_FILE = "SHA256SUMS";

/** A build that cannot go on; its message is the one line the script prints. */
export class CompileError extends Error {
  /** The script's exit code: 2 for a bad command line, 1 for a failed build. */
  readonly exitCode: number;

  /**
   * @param message one line saying what failed and how to fix it
   * @param exitCode 2 for a bad command line, 1 for a failed build
   */
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "CompileError";
    this.exitCode = exitCode;
  }
}

/** What to build and where. */
export interface CompileOptions {
  /** Where the binaries and SHA256SUMS go. */
  readonly outDir: string;
  /** The targets to build, each once. */
  readonly targets: readonly Target[];
  /** An already-built bundle to compile; when absent, `scripts/bundle.ts` builds one. */
  readonly bundle?: string;
}

/** The binary's file name for `target`. */
export function binaryName(target: Target): string {
  return `ork-${target}`;
}

/**
 * The hex SHA-256 of a file's content, read in chunks (a binary is about 100 MB).
 *
 * @param path the file
 * @returns 64 lowercase hex digits
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  const buffer = new Uint8Array(1 << 20);
  for (let read = await file.read(buffer); read !== null; read = await file.read(buffer)) {
    hash.update(buffer.subarray(0, read));
  }
  return hash.digest("hex");
}

/**
 * Writes `SHA256SUMS` in `dir` for `names` (files in `dir`), one `<hex>  <name>` line each, sorted by name,
 * in the text mode `sha256sum --check` reads. The file is written beside and renamed into place, so a reader
 * sees the old list or the whole new one.
 *
 * @param dir the folder holding the files
 * @param names the files' names, without a folder
 * @returns the path of the checksum file
 * @throws Deno.errors.NotFound when a named file is missing: a list naming a file that is not there is never
 *   written
 */
export async function writeChecksums(dir: string, names: readonly string[]): Promise<string> {
  const lines: string[] = [];
  for (const name of [...names].sort()) lines.push(`${await sha256File(join(dir, name))}  ${name}\n`);
  const path = join(dir, CHECKSUMS_FILE);
  const temp = `${path}.tmp-${Deno.pid}`;
  await Deno.writeTextFile(temp, lines.join(""));
  await Deno.rename(temp, path);
  return path;
}

/**
 * The one line to print when `deno compile` failed for `target`, from its stderr: a runtime that could not be
 * downloaded gets its own plain sentence with the two ways out; anything else keeps Deno's message.
 *
 * @param target the target being compiled
 * @param stderr what `deno compile` wrote on stderr (without colour)
 */
export function compileFailure(target: Target, stderr: string): string {
  const download = /error sending request for url \((https?:\/\/([^/)]+)\/[^)]*)\)/.exec(stderr);
  if (download !== null) {
    const [, url, host] = download;
    return `compile: cannot download Deno's runtime for ${target} from ${host} (${url}); build on a machine ` +
      `that can reach ${host}, or set DENORT_BIN to a denort binary for ${target} and build that one target: ` +
      `deno task compile --target ${target}`;
  }
  // Deno prints "error: <what>", then "Caused by:" and numbered causes, then a backtrace: keep the error and
  // its causes, on one line.
  const start = stderr.search(/^error: /m);
  const causes = (start < 0 ? stderr : stderr.slice(start).split(/^Stack backtrace:/m)[0]!)
    .split("\n")
    .map((line) => line.trim().replace(/^(error: |\d+: )/, ""))
    .filter((line) => line !== "" && line !== "Caused by:");
  const message = causes.join("; ");
  return `compile: deno compile failed for ${target}: ${message || "no message"}`;
}

/**
 * Builds the binaries for `options.targets` into `options.outDir` and writes SHA256SUMS for them. Binaries of
 * the four targets that an earlier build left and this one did not make are removed, so the folder never
 * holds binaries of two builds.
 *
 * @param options what to build and where
 * @returns the paths of the binaries, in the order of `options.targets`
 * @throws CompileError when the bundle or a target failed to build; the output folder is then as it was
 */
export async function compile(options: CompileOptions): Promise<string[]> {
  if (options.targets.length > 1 && Deno.env.get("DENORT_BIN")) {
    throw new CompileError(
      "compile: DENORT_BIN is set, and deno compile would put that one runtime into every target's binary; " +
        "build one target at a time: deno task compile --target <target>",
      2,
    );
  }
  await Deno.mkdir(options.outDir, { recursive: true });
  // Inside the output folder, so the final moves are renames on one file system.
  const stage = await Deno.makeTempDir({ dir: options.outDir, prefix: ".compile-" });
  try {
    const bundle = options.bundle ?? await buildBundle(join(stage, "ork.js"));
    for (const target of options.targets) {
      await compileTarget(bundle, target, join(stage, binaryName(target)));
    }
    // Drop the old list first: between the moves below and the new list, no list names a replaced binary.
    await Deno.remove(join(options.outDir, CHECKSUMS_FILE)).catch(ignoreNotFound);
    for (const target of TARGETS) {
      if (!options.targets.includes(target)) {
        await Deno.remove(join(options.outDir, binaryName(target))).catch(ignoreNotFound);
      }
    }
    const built: string[] = [];
    for (const target of options.targets) {
      const path = join(options.outDir, binaryName(target));
      await Deno.rename(join(stage, binaryName(target)), path);
      built.push(path);
    }
    await writeChecksums(options.outDir, built.map((path) => basename(path)));
    return built;
  } finally {
    await Deno.remove(stage, { recursive: true });
  }
}

/** Builds the stamped bundle at `output` with `scripts/bundle.ts` and returns its path. */
async function buildBundle(output: string): Promise<string> {
  const script = join(dirname(fromFileUrl(import.meta.url)), "bundle.ts");
  // stderr passes through: bundle.ts's own failures and warnings (no git commit to stamp) are one-liners.
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", script, output],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!result.success) throw new CompileError("compile: building the bundle (scripts/bundle.ts) failed");
  return output;
}

/** Compiles `bundle` for `target` into `output`, or throws a {@link CompileError} with one line. */
async function compileTarget(bundle: string, target: Target, output: string): Promise<void> {
  const result = await new Deno.Command(Deno.execPath(), {
    args: [
      "compile",
      // The bundle imports nothing but node: built-ins: the checkout's config and lockfile have no say.
      "--no-config",
      "--no-check",
      ...COMPILE_PERMISSIONS,
      // A young generation of 1 MiB: the runner's peak memory with 5 workers fell from 118.8 to 109.1 MiB
      // (farm-bench, 2026-12-06), its time unchanged (0.94x).
      V8_FLAGS,
      "--target",
      target,
      "--output",
      output,
      bundle,
    ],
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    throw new CompileError(compileFailure(target, new TextDecoder().decode(result.stderr)));
  }
}

function ignoreNotFound(error: unknown): void {
  if (!(error instanceof Deno.errors.NotFound)) throw error;
}

/** Reads the command line into {@link CompileOptions}; a bad one is a {@link CompileError} with exit code 2. */
export function parseCommandLine(args: readonly string[], checkout: string): CompileOptions {
  const parsed = (() => {
    try {
      return parseArgs({
        args: [...args],
        options: {
          "out-dir": { type: "string" },
          target: { type: "string", multiple: true },
          bundle: { type: "string" },
        },
        strict: true,
        allowPositionals: false,
      });
    } catch (error) {
      throw new CompileError(
        `compile: ${error instanceof Error ? error.message : String(error)}; ` +
          "usage: scripts/compile.ts [--out-dir <dir>] [--target <target>]... [--bundle <ork.js>]",
        2,
      );
    }
  })();
  const targets: Target[] = [];
  for (const target of parsed.values.target ?? TARGETS) {
    if (!(TARGETS as readonly string[]).includes(target)) {
      throw new CompileError(`compile: unknown target "${target}"; use one of: ${TARGETS.join(", ")}`, 2);
    }
    if (!targets.includes(target as Target)) targets.push(target as Target);
  }
  const { "out-dir": outDir, bundle } = parsed.values;
  return {
    outDir: resolve(outDir ?? join(checkout, "dist")),
    targets,
    ...(bundle === undefined ? {} : { bundle: resolve(bundle) }),
  };
}

if (import.meta.main) {
  const checkout = join(dirname(fromFileUrl(import.meta.url)), "..");
  try {
    const options = parseCommandLine(Deno.args, checkout);
    const built = await compile(options);
    for (const path of built) console.log(`compile: wrote ${path}`);
    console.log(`compile: wrote ${join(options.outDir, CHECKSUMS_FILE)}`);
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
    console.error(error.message);
    Deno.exit(error.exitCode);
  }
}
