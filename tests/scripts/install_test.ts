import assert from "node:assert/strict";
import { join } from "node:path";
import { TARGETS } from "../../scripts/compile.ts";
import { buildBundle, CHECKOUT, exists, run, type RunResult, tempDir, waitFor } from "../helpers/mod.ts";
import { VERSION } from "../../src/version.ts";

const INSTALL_SH = join(CHECKOUT, "scripts/install.sh");

/** The release file this machine's installer asks for, when ork ships one for this machine. */
const HOST_TARGET = (TARGETS as readonly string[]).includes(Deno.build.target)
  ? Deno.build.target
  : undefined;

/** `command -v name` in sh: the program's path, or undefined. */
async function which(name: string): Promise<string | undefined> {
  const found = await run("sh", ["-c", `command -v ${name}`]);
  return found.code === 0 ? found.stdout.trim() : undefined;
}

/** dash, where it is installed. */
const DASH = await which("dash");
/** The shell the installer runs under: dash where it is installed, as the installer must run under it. */
const SHELL = DASH ?? "sh";

/** A port on 127.0.0.1 that was free a moment ago. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** `python3 -m http.server` serving `root` on 127.0.0.1; stopped when disposed. */
async function httpServer(root: string): Promise<{ url: string } & AsyncDisposable> {
  const port = freePort();
  const child = new Deno.Command("python3", {
    args: ["-m", "http.server", "--bind", "127.0.0.1", String(port), "--directory", root],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone (it failed to start): its status below says so.
    }
    await child.status;
  };
  try {
    await waitFor(`the HTTP server on port ${port}`, async () => {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        return true;
      } catch {
        return false;
      }
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, [Symbol.asyncDispose]: stop };
}

/** The names in `dir`, sorted; [] when it does not exist. */
function names(dir: string): string[] {
  return exists(dir) ? [...Deno.readDirSync(dir)].map((entry) => entry.name).sort() : [];
}

/** Writes `SHA256SUMS` for the `ork-*` files of `dir`, with the machine's own tool. */
async function writeSums(dir: string): Promise<void> {
  const tool = await which("sha256sum") ? "sha256sum ork-*" : "shasum -a 256 ork-*";
  const sums = await run("sh", ["-c", `${tool} > SHA256SUMS`], { cwd: dir });
  assert.equal(sums.code, 0, sums.stderr);
}

/** Asserts the installer failed with exactly one `ork-install:` line on stderr matching `line`. */
function assertRefused(result: RunResult, line: RegExp): void {
  assert.notEqual(result.code, 0, result.stdout + result.stderr);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /^ork-install: [^\n]*\n$/);
  assert.match(result.stderr, line);
}

Deno.test("install.sh passes dash -n", { ignore: DASH === undefined }, async () => {
  const checked = await run(DASH!, ["-n", INSTALL_SH]);
  assert.equal(checked.code, 0, checked.stderr);
  assert.equal(checked.stderr, "");
});

Deno.test({
  name: "install.sh against a release served over HTTP",
  ignore: HOST_TARGET === undefined,
  fn: async (t) => {
    const binary = `ork-${HOST_TARGET}`;
    await using temp = await tempDir("ork-install-");
    const bundle = join(temp.dir, "ork.js");
    await buildBundle(bundle);

    // The release: a launcher of the bundle stands in for the compiled binary; `bad/` has the same list but a
    // binary changed after the list was made.
    const release = join(temp.dir, "release");
    await Deno.mkdir(join(release, "bad"), { recursive: true });
    const launcher =
      `#!/bin/sh\nexec '${Deno.execPath()}' run --no-config --quiet --allow-all '${bundle}' "$@"\n`;
    await Deno.writeTextFile(join(release, binary), launcher);
    await writeSums(release);
    await Deno.copyFile(join(release, "SHA256SUMS"), join(release, "bad", "SHA256SUMS"));
    await Deno.writeTextFile(join(release, "bad", binary), launcher + "# changed\n");
    // `broken/`: a binary that matches its list but cannot run here (as a glibc build on musl).
    await Deno.mkdir(join(release, "broken"));
    await Deno.writeTextFile(
      join(release, "broken", binary),
      "#!/bin/sh\necho 'not found: libc.so.6' >&2\nexit 127\n",
    );
    await writeSums(join(release, "broken"));
    await using server = await httpServer(release);

    const tmp = join(temp.dir, "tmp");
    await Deno.mkdir(tmp);
    let runs = 0;
    /** Runs the installer with a fresh install folder; `env` adds to the environment. */
    const install = async (env: Record<string, string>, opts: { stdin?: string; dir?: string } = {}) => {
      const dir = opts.dir ?? join(temp.dir, `bin-${++runs}`);
      const result = await run(SHELL, opts.stdin === undefined ? [INSTALL_SH] : ["-s"], {
        cwd: temp.dir,
        env: { ORK_INSTALL_DIR: dir, TMPDIR: tmp, NO_COLOR: "1", ...env },
        stdin: opts.stdin,
      });
      return { dir, result };
    };

    await t.step(
      "piped into sh, it installs ork as <dir>/ork, mode 755, and ork --version runs",
      async () => {
        const { dir, result } = await install({ ORK_BASE_URL: server.url }, {
          stdin: await Deno.readTextFile(INSTALL_SH),
        });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stderr, "");
        const versionLine = `ork ${VERSION} \\(commit [0-9a-f]{12}(-dirty)?, deno ${Deno.version.deno}\\)`;
        assert.match(
          result.stdout,
          new RegExp(
            `^ork-install: installed ${versionLine} as ${dir}/ork\n` +
              `ork-install: ${dir} is not on your PATH; add it in your shell profile .*: export PATH="${dir}:\\$PATH"\n$`,
          ),
        );
        assert.deepEqual(names(dir), ["ork"]);
        assert.equal((await Deno.stat(join(dir, "ork"))).mode! & 0o777, 0o755);
        const version = await run(join(dir, "ork"), ["--version"]);
        assert.equal(version.code, 0, version.stderr);
        assert.match(version.stdout, new RegExp(`^${versionLine}\n$`));
        assert.deepEqual(names(tmp), []);
      },
    );

    await t.step(
      "run again into a folder on the PATH, it replaces ork and gives no PATH advice",
      async () => {
        const dir = join(temp.dir, "on-path");
        await Deno.mkdir(dir);
        await Deno.writeTextFile(join(dir, "ork"), "old");
        const { result } = await install(
          { ORK_BASE_URL: `${server.url}/`, PATH: `${dir}:${Deno.env.get("PATH")}` },
          { dir },
        );
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /^ork-install: installed ork [^\n]* as [^\n]*\/ork\n$/);
        assert.equal(await Deno.readTextFile(join(dir, "ork")), launcher);
        assert.deepEqual(names(dir), ["ork"]);
      },
    );

    await t.step("a binary that does not match SHA256SUMS is refused and nothing is installed", async () => {
      const dir = join(temp.dir, "mismatch");
      await Deno.mkdir(dir);
      const { result } = await install({ ORK_BASE_URL: `${server.url}/bad` }, { dir });
      assertRefused(
        result,
        new RegExp(
          `^ork-install: checksum mismatch for ${binary} \\(SHA256SUMS says [0-9a-f]{64}, the download is [0-9a-f]{64}\\); nothing installed\n$`,
        ),
      );
      assert.deepEqual(names(dir), []);
      assert.deepEqual(names(tmp), []);
    });

    await t.step("a binary that does not run here does not replace the ork that was there", async () => {
      const dir = join(temp.dir, "keeps-old");
      await Deno.mkdir(dir);
      await Deno.writeTextFile(join(dir, "ork"), "the old, working ork");
      const { result } = await install({ ORK_BASE_URL: `${server.url}/broken` }, { dir });
      assertRefused(
        result,
        new RegExp(
          `^ork-install: ${binary} does not run on this machine: not found: libc\\.so\\.6; nothing installed.*\n$`,
        ),
      );
      assert.equal(await Deno.readTextFile(join(dir, "ork")), "the old, working ork");
      assert.deepEqual(names(dir), ["ork"]);
      assert.deepEqual(names(tmp), []);
    });

    await t.step("an unknown platform is refused before anything is downloaded", async () => {
      const fake = join(temp.dir, "fake-uname");
      await Deno.mkdir(fake);
      await Deno.writeTextFile(
        join(fake, "uname"),
        `#!/bin/sh\ncase $1 in -s) echo SunOS ;; -m) echo sparc64 ;; *) echo SunOS ;; esac\n`,
        { mode: 0o755 },
      );
      const { dir, result } = await install({
        ORK_BASE_URL: server.url,
        PATH: `${fake}:${Deno.env.get("PATH")}`,
      });
      assertRefused(result, /^ork-install: no ork binary for SunOS sparc64: releases have Linux and macOS/);
      assert.equal(exists(dir), false);
      assert.deepEqual(names(tmp), []);
    });

    await t.step("a release the server does not have (404) is refused", async () => {
      const { dir, result } = await install({ ORK_BASE_URL: `${server.url}/v9.9.9` });
      assertRefused(
        result,
        new RegExp(
          `^ork-install: cannot download ${server.url}/v9\\.9\\.9/SHA256SUMS: HTTP 404, no such file; check ORK_BASE_URL\n$`,
        ),
      );
      assert.equal(exists(dir), false);
      assert.deepEqual(names(tmp), []);
    });

    await t.step("ORK_VERSION picks the release's download URL, latest by default", async () => {
      // Nothing listens behind this proxy, so no request leaves the machine; the error names the URL tried.
      const proxy = `http://127.0.0.1:${freePort()}`;
      const offline = { https_proxy: proxy, HTTPS_PROXY: proxy, no_proxy: "", NO_PROXY: "" };
      const base = "https://github.com/ork-dev/ork/releases";
      for (
        const [version, url] of [
          [undefined, `${base}/latest/download/SHA256SUMS`],
          ["latest", `${base}/latest/download/SHA256SUMS`],
          ["0.2.0", `${base}/download/v0.2.0/SHA256SUMS`],
          ["v0.2.0", `${base}/download/v0.2.0/SHA256SUMS`],
        ] as const
      ) {
        const { dir, result } = await install(
          version === undefined ? offline : { ...offline, ORK_VERSION: version },
        );
        assertRefused(result, new RegExp(`^ork-install: cannot download ${url.replaceAll(".", "\\.")}: `));
        assert.equal(exists(dir), false);
      }
      assert.deepEqual(names(tmp), []);
    });

    const wget = await which("wget");
    await t.step({
      name: "without curl, it downloads with wget",
      ignore: wget === undefined,
      fn: async () => {
        // A PATH with the tools the installer uses, but no curl.
        const bin = join(temp.dir, "no-curl");
        await Deno.mkdir(bin);
        for (
          const tool of ["sh", "uname", "mktemp", "rm", "mkdir", "cp", "mv", "chmod", "awk", "head", "wget"]
        ) {
          await Deno.symlink((await which(tool))!, join(bin, tool));
        }
        const sums = await which("sha256sum") ? "sha256sum" : "shasum";
        await Deno.symlink((await which(sums))!, join(bin, sums));
        const ok = await install({ ORK_BASE_URL: server.url, PATH: bin });
        assert.equal(ok.result.code, 0, ok.result.stderr);
        assert.deepEqual(names(ok.dir), ["ork"]);
        const missing = await install({ ORK_BASE_URL: `${server.url}/v9.9.9`, PATH: bin });
        assertRefused(
          missing.result,
          /^ork-install: cannot download http:\/\/127\.0\.0\.1:\d+\/v9\.9\.9\/SHA256SUMS with wget \(exit 8; /,
        );
        assert.deepEqual(names(tmp), []);
      },
    });
  },
});
