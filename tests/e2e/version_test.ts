import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { BUILD_COMMIT, VERSION } from "../../src/version.ts";
import { buildBundle, CHECKOUT, DENO_JSON, git, MAIN_TS, run, tempDir } from "../helpers/mod.ts";

/** The files `scripts/bundle.ts` needs to build ork. */
const BUILD_INPUTS = ["main.ts", "deno.json", "deno.lock", "scripts/bundle.ts", "src"];

/** Builds the bundle with the bundle script found under `checkout`, into `output`. */
function bundle(checkout: string, output: string): Promise<void> {
  return buildBundle(output, checkout);
}

/**
 * Runs `ork --version` from `entry` with no permission at all: were ork to run git or read its source tree
 * to find its commit, Deno would refuse.
 */
async function version(entry: string, ...config: string[]): Promise<string> {
  const result = await run(
    Deno.execPath(),
    ["run", "--no-prompt", "--quiet", ...config, entry, "--version"],
    {
      cwd: dirname(entry),
      env: { NO_COLOR: "1" },
    },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  return result.stdout;
}

/** A git repository holding the checkout's build inputs as they are now, committed; its HEAD. */
async function commitBuildInputs(dir: string): Promise<string> {
  for (const input of BUILD_INPUTS) {
    const copied = await run("cp", ["-R", join(CHECKOUT, input), join(dir, dirname(input))]);
    assert.equal(copied.code, 0, copied.stderr);
  }
  await git(dir, "init", "--quiet", "--initial-branch=main");
  await git(dir, "add", "--all");
  await git(
    dir,
    "-c",
    "user.name=Test",
    "-c",
    "user.email=test@example.com",
    "commit",
    "--quiet",
    "-m",
    "build",
  );
  return await git(dir, "rev-parse", "--short=12", "HEAD");
}

Deno.test("VERSION is deno.json's version", async () => {
  const config = JSON.parse(await Deno.readTextFile(DENO_JSON)) as { version: string };
  assert.equal(VERSION, config.version);
});

Deno.test("run from source, ork --version names no commit but says it runs from source", async () => {
  assert.equal(BUILD_COMMIT, "source");
  assert.equal(
    await version(MAIN_TS, "--config", DENO_JSON),
    `ork ${VERSION} (commit source, deno ${Deno.version.deno})\n`,
  );
});

Deno.test("the bundle's --version names the commit of the checkout it was built from, and -dirty for changes", async () => {
  await using copy = await tempDir("ork-version-src-");
  await Deno.mkdir(join(copy.dir, "scripts"));
  const head = await commitBuildInputs(copy.dir);
  await using out = await tempDir("ork-version-out-");

  await bundle(copy.dir, join(out.dir, "clean.js"));
  assert.equal(
    await version(join(out.dir, "clean.js"), "--no-config"),
    `ork ${VERSION} (commit ${head}, deno ${Deno.version.deno})\n`,
  );

  const main = await Deno.readTextFile(join(copy.dir, "main.ts"));
  await Deno.writeTextFile(join(copy.dir, "main.ts"), `${main}// an edit\n`);
  await bundle(copy.dir, join(out.dir, "edited.js"));
  assert.equal(
    await version(join(out.dir, "edited.js"), "--no-config"),
    `ork ${VERSION} (commit ${head}-dirty, deno ${Deno.version.deno})\n`,
  );

  await Deno.writeTextFile(join(copy.dir, "main.ts"), main);
  await Deno.writeTextFile(join(copy.dir, "src", "new.ts"), "export const x = 1;\n");
  await bundle(copy.dir, join(out.dir, "untracked.js"));
  assert.equal(
    await version(join(out.dir, "untracked.js"), "--no-config"),
    `ork ${VERSION} (commit ${head}-dirty, deno ${Deno.version.deno})\n`,
  );
});

Deno.test("the bundle built from this checkout names this checkout's HEAD", async () => {
  await using out = await tempDir("ork-version-out-");
  await bundle(CHECKOUT, join(out.dir, "ork.js"));
  const head = await git(CHECKOUT, "rev-parse", "--short=12", "HEAD");
  // Whether the checkout has changes at this moment is its own business; the commit is what must match.
  assert.match(
    await version(join(out.dir, "ork.js"), "--no-config"),
    new RegExp(
      `^ork ${VERSION.replaceAll(".", "\\.")} \\(commit ${head}(-dirty)?, deno ${Deno.version.deno}\\)\n$`,
    ),
  );
});
