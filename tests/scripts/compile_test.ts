import assert from "node:assert/strict";
import { join } from "node:path";
import {
  binaryName,
  CHECKSUMS_FILE,
  COMPILE_PERMISSIONS,
  compileFailure,
  parseCommandLine,
  type Target,
  TARGETS,
  writeChecksums,
} from "../../scripts/compile.ts";
import { CHECKOUT, exists, git, run, tempDir, tempRepo } from "../helpers/mod.ts";

const COMPILE_TS = join(CHECKOUT, "scripts/compile.ts");
const BUNDLE_TS = join(CHECKOUT, "scripts/bundle.ts");

/** The target of the machine running the tests, when ork ships a binary for it. */
const HOST_TARGET = (TARGETS as readonly string[]).includes(Deno.build.target)
  ? Deno.build.target as Target
  : undefined;

/** A port on 127.0.0.1 that nothing listens on (taken, then let go). */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * A Deno dir sharing the real one's npm packages and tools (esbuild, for `deno bundle`) but holding no
 * downloaded runtime, so `deno compile` must download one whether or not this machine has done it before.
 */
async function denoDirWithoutRuntimes(dir: string): Promise<string> {
  const info = await run(Deno.execPath(), ["info", "--json"]);
  const real = (JSON.parse(info.stdout) as { denoDir: string }).denoDir;
  const own = join(dir, "deno-dir");
  await Deno.mkdir(join(own, "dl"), { recursive: true });
  // Folders only: a shared SQLite cache file would get a write-ahead log of its own here.
  for await (const entry of Deno.readDir(real)) {
    if (entry.isDirectory && entry.name !== "dl") {
      await Deno.symlink(join(real, entry.name), join(own, entry.name));
    }
  }
  for await (const entry of exists(join(real, "dl")) ? Deno.readDir(join(real, "dl")) : []) {
    // dl/release/v<version>/denort-<target>.zip (and dl/canary) are the runtimes.
    if (entry.name !== "release" && entry.name !== "canary") {
      await Deno.symlink(join(real, "dl", entry.name), join(own, "dl", entry.name));
    }
  }
  return own;
}

/** The names in `dir`, sorted. */
function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
}

/** The sha256sum-style checker of this machine: `sha256sum` on Linux, `shasum -a 256` on macOS. */
async function checksumTool(): Promise<[string, string[]]> {
  const found = await run("sh", ["-c", "command -v sha256sum"]);
  return found.code === 0 ? ["sha256sum", []] : ["shasum", ["-a", "256"]];
}

Deno.test("writeChecksums writes sorted sha256sum lines that sha256sum --check accepts", async () => {
  await using temp = await tempDir("ork-sums-");
  await Deno.writeTextFile(join(temp.dir, "ork-b"), "abc");
  await Deno.writeTextFile(join(temp.dir, "ork-a"), "");
  // Past the 1 MiB read buffer, so the chunked hashing is checked against the tool.
  const big = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31) % 251);
  await Deno.writeFile(join(temp.dir, "ork-c"), big);

  const path = await writeChecksums(temp.dir, ["ork-c", "ork-b", "ork-a"]);

  assert.equal(path, join(temp.dir, CHECKSUMS_FILE));
  const lines = (await Deno.readTextFile(path)).split("\n");
  assert.deepEqual(lines.slice(0, 2), [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  ork-a",
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  ork-b",
  ]);
  assert.match(lines[2]!, /^[0-9a-f]{64} {2}ork-c$/);
  assert.deepEqual(lines.slice(3), [""]);
  const [tool, toolArgs] = await checksumTool();
  const checked = await run(tool, [...toolArgs, "--check", CHECKSUMS_FILE], { cwd: temp.dir });
  assert.equal(checked.code, 0, checked.stdout + checked.stderr);
  assert.deepEqual(names(temp.dir), ["SHA256SUMS", "ork-a", "ork-b", "ork-c"]);
});

Deno.test("writeChecksums refuses to list a file that is not there and writes no list", async () => {
  await using temp = await tempDir("ork-sums-");
  await Deno.writeTextFile(join(temp.dir, "ork-a"), "a");
  await assert.rejects(writeChecksums(temp.dir, ["ork-a", "ork-missing"]), Deno.errors.NotFound);
  assert.deepEqual(names(temp.dir), ["ork-a"]);
});

Deno.test("compileFailure keeps Deno's error and its causes on one line", () => {
  const stderr = [
    "Compile ork.js to ork-x86_64-apple-darwin",
    "error: Writing deno compile executable to temporary file 'dist/ork.tmp-1'",
    "",
    "Caused by:",
    "    0: Could not find denort at '/nope'",
    "    1: No such file or directory (os error 2)",
    "",
    "Stack backtrace:",
    "   0: <unknown>",
    "",
  ].join("\n");
  assert.equal(
    compileFailure("x86_64-apple-darwin", stderr),
    "compile: deno compile failed for x86_64-apple-darwin: Writing deno compile executable to temporary file " +
      "'dist/ork.tmp-1'; Could not find denort at '/nope'; No such file or directory (os error 2)",
  );
});

Deno.test("the command line takes an output folder and known targets, once each, and refuses the rest", () => {
  assert.deepEqual(parseCommandLine([], "/co"), { outDir: "/co/dist", targets: [...TARGETS] });
  assert.deepEqual(
    parseCommandLine([
      "--out-dir",
      "/out",
      "--target",
      "x86_64-apple-darwin",
      "--target",
      "x86_64-apple-darwin",
    ], "/co"),
    { outDir: "/out", targets: ["x86_64-apple-darwin"] },
  );
  assert.throws(() => parseCommandLine(["--target", "x86_64-pc-windows-msvc"], "/co"), {
    message: `compile: unknown target "x86_64-pc-windows-msvc"; use one of: ${TARGETS.join(", ")}`,
    exitCode: 2,
  });
  assert.throws(() => parseCommandLine(["dist"], "/co"), { exitCode: 2 });
});

Deno.test("without Deno's download host, compile says so in one line, exits 1 and leaves the output folder empty", async () => {
  await using temp = await tempDir("ork-compile-");
  // A normal bundle first: it leaves the npm packages and esbuild that `deno bundle` needs in Deno's cache.
  const warm = await run(Deno.execPath(), ["run", "--allow-all", BUNDLE_TS, join(temp.dir, "warm.js")]);
  assert.equal(warm.code, 0, warm.stderr);
  const denoDir = await denoDirWithoutRuntimes(temp.dir);
  const proxy = `http://127.0.0.1:${closedPort()}`;
  const outDir = join(temp.dir, "dist");

  const result = await run(Deno.execPath(), ["run", "--allow-all", COMPILE_TS, "--out-dir", outDir], {
    cwd: temp.dir,
    env: { DENO_DIR: denoDir, HTTPS_PROXY: proxy, https_proxy: proxy, NO_PROXY: "", no_proxy: "" },
  });

  assert.equal(result.code, 1, result.stdout + result.stderr);
  const target = TARGETS[0];
  assert.equal(
    result.stderr,
    `compile: cannot download Deno's runtime for ${target} from dl.deno.land ` +
      `(https://dl.deno.land/release/v${Deno.version.deno}/denort-${target}.zip); build on a machine that can ` +
      `reach dl.deno.land, or set DENORT_BIN to a denort binary for ${target} and build that one target: ` +
      `deno task compile --target ${target}\n`,
  );
  assert.deepEqual(names(outDir), []);
});

Deno.test("with DENORT_BIN set, compile refuses to build several targets from one runtime", async () => {
  await using temp = await tempDir("ork-compile-");
  const result = await run(Deno.execPath(), [
    "run",
    "--allow-all",
    COMPILE_TS,
    "--out-dir",
    join(temp.dir, "dist"),
  ], {
    env: { DENORT_BIN: join(temp.dir, "denort") },
  });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^compile: DENORT_BIN is set, .*: deno task compile --target <target>\n$/);
  assert.equal(exists(join(temp.dir, "dist")), false);
});

Deno.test({
  name: "a compiled target lands with its SHA256SUMS line, and a failed rebuild leaves that build as it was",
  ignore: HOST_TARGET === undefined,
  fn: async () => {
    const target = HOST_TARGET!;
    await using temp = await tempDir("ork-compile-");
    const bundle = join(temp.dir, "hello.js");
    await Deno.writeTextFile(bundle, `console.log("hello");\n`);
    const outDir = join(temp.dir, "dist");
    await Deno.mkdir(outDir);
    // Left by an earlier build of another target: not part of this build, so it goes.
    const other = TARGETS.find((t) => t !== target)!;
    await Deno.writeTextFile(join(outDir, binaryName(other)), "old");
    const compile = (denort: string) =>
      run(Deno.execPath(), [
        "run",
        "--allow-all",
        COMPILE_TS,
        "--out-dir",
        outDir,
        "--target",
        target,
        "--bundle",
        bundle,
      ], { env: { DENORT_BIN: denort } });

    // Deno's own binary stands in for the runtime: deno compile only needs an executable of the target's format.
    const built = await compile(Deno.execPath());
    assert.equal(built.code, 0, built.stderr);
    assert.equal(
      built.stdout,
      `compile: wrote ${join(outDir, binaryName(target))}\ncompile: wrote ${join(outDir, CHECKSUMS_FILE)}\n`,
    );
    assert.deepEqual(names(outDir), [CHECKSUMS_FILE, binaryName(target)]);
    assert.match(
      await Deno.readTextFile(join(outDir, CHECKSUMS_FILE)),
      new RegExp(`^[0-9a-f]{64}  ork-${target}\n$`),
    );
    const [tool, toolArgs] = await checksumTool();
    const checked = await run(tool, [...toolArgs, "--check", CHECKSUMS_FILE], { cwd: outDir });
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    const mode = (await Deno.stat(join(outDir, binaryName(target)))).mode! & 0o111;
    assert.notEqual(mode, 0, "the binary is executable");
    const sums = await Deno.readTextFile(join(outDir, CHECKSUMS_FILE));

    const failed = await compile(join(temp.dir, "no-such-denort"));
    assert.equal(failed.code, 1);
    assert.match(
      failed.stderr,
      new RegExp(
        `^compile: deno compile failed for ${target}: .*Could not find denort at '[^']*no-such-denort'.*\n$`,
      ),
    );
    assert.deepEqual(names(outDir), [CHECKSUMS_FILE, binaryName(target)]);
    assert.equal(await Deno.readTextFile(join(outDir, CHECKSUMS_FILE)), sums);
    const rechecked = await run(tool, [...toolArgs, "--check", CHECKSUMS_FILE], { cwd: outDir });
    assert.equal(rechecked.code, 0, rechecked.stdout + rechecked.stderr);
  },
});

Deno.test("the bundle runs a whole job, gates included, with only the permissions the binaries get", async () => {
  await using build = await tempDir("ork-compile-perms-");
  const bundle = join(build.dir, "ork.js");
  const built = await run(Deno.execPath(), ["run", "--allow-all", BUNDLE_TS, bundle]);
  assert.equal(built.code, 0, built.stderr);
  await using repo = await tempRepo();
  const ork = (...args: string[]) =>
    run(Deno.execPath(), ["run", "--no-config", "--no-prompt", ...COMPILE_PERMISSIONS, bundle, ...args], {
      cwd: repo.dir,
      env: { NO_COLOR: "1" },
    });

  const init = await ork("init");
  assert.equal(init.code, 0, init.stderr);
  await Deno.writeTextFile(
    join(repo.dir, "config/orchestrator.yaml"),
    [
      "merge_gates:",
      "  - name: no_secrets",
      "    type: secrets",
      "  - name: small_files",
      "    type: file_size",
      "  - name: has_plan",
      "    command: test -s PLAN.md",
      "",
    ].join("\n"),
  );
  // $(...) is not a plain command line: the role check loads the packed shell parser.
  const enqueued = await ork(
    "enqueue",
    "--role",
    "code-planner",
    "--desc",
    "Plan",
    "--cmd",
    'echo "$(git log --oneline)" > PLAN.md',
  );
  assert.equal(enqueued.code, 0, enqueued.stderr);
  const ran = await ork("run", "--once");
  assert.equal(ran.code, 0, ran.stderr);
  assert.equal(ran.stdout.trim(), "ork run: 1 completed, 0 failed");
  assert.match(
    await git(repo.dir, "log", "-1", "--format=%s", "main"),
    /^Merge ork job .*: code-planner: Plan$/,
  );
  assert.match(await Deno.readTextFile(join(repo.dir, "PLAN.md")), /initial/);
  const gates = await ork("gates", "--base", "HEAD~1");
  assert.equal(gates.code, 0, gates.stdout + gates.stderr);
});
