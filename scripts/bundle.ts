/**
 * `deno task bundle`: builds the one-file `dist/ork.js` with `deno bundle`, from an entry that is `main.ts` plus
 * the commit being built (for `ork --version`). The output is `deno bundle`'s, untouched: nothing here depends
 * on how Deno or esbuild lay out a bundle, so a Deno upgrade cannot break it. Start-up is the source's own
 * concern: a command imports what only it needs with a dynamic `import()`, which the bundle keeps lazy.
 *
 * The bundle is minified (`--minify`, a flag of `deno bundle`, not a rewrite of its output): every ork process
 * holds the whole text of the file in V8's heap, with a table of its line ends, and 5.2 MB over 168,000 lines
 * (comments, indentation) made the runner's peak with 5 workers 109.4 MiB; 2.3 MB over 460 lines, 92.6 MiB
 * (docs/performance.md, "The runner's memory"). The price: a stack trace (`ORK_DEBUG=1`) names minified
 * functions. `--keep-names` would keep the names, but Deno 2.9's bundle then fails at start-up ("Dynamic
 * require of "node:events" is not supported").
 *
 * Usage: deno run --allow-all scripts/bundle.ts [output]   (default: dist/ork.js)
 */

import { dirname, join, resolve } from "node:path";
import { fileURLToPath as fromFileUrl, pathToFileURL } from "node:url";

const checkout = join(dirname(fromFileUrl(import.meta.url)), "..");
const output = resolve(Deno.args[0] ?? join(checkout, "dist", "ork.js"));

// The entry lives outside the checkout: a file written into it would make the build commit "-dirty".
const entryDir = await Deno.makeTempDir({ prefix: "ork-bundle-entry-" });
try {
  const entry = join(entryDir, "main.ts");
  const source = (path: string) => JSON.stringify(pathToFileURL(join(checkout, path)).href);
  await Deno.writeTextFile(
    entry,
    `import { main } from ${source("src/cli/mod.ts")};\n` +
      `import { stampBuildCommit } from ${source("src/version.ts")};\n\n` +
      `stampBuildCommit(${JSON.stringify(await buildCommit())});\n` +
      `Deno.exit(await main(Deno.args));\n`,
  );
  const bundle = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--minify",
      "--config",
      join(checkout, "deno.json"),
      "--output",
      output,
      entry,
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!bundle.success) Deno.exit(bundle.code || 1);
} finally {
  await Deno.remove(entryDir, { recursive: true });
}
const size = (await Deno.stat(output)).size;
console.log(`bundle: wrote ${output} (${(size / 1024).toFixed(0)} KiB)`);

/**
 * The checkout's `git rev-parse --short=12 HEAD`, with `-dirty` when `git status` shows any change (untracked
 * files too: a new source file ends up in the bundle as much as an edited one); `unknown`, with a warning, when
 * the checkout is not a git repository (a source tarball).
 */
async function buildCommit(): Promise<string> {
  // A GIT_DIR or GIT_INDEX_FILE set by a hook that runs this build would point git at another repository.
  const env = Deno.env.toObject();
  for (const name of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR"]) delete env[name];
  const git = async (...args: string[]) => {
    const result = await new Deno.Command("git", {
      args: ["-C", checkout, ...args],
      clearEnv: true,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output().catch(() => undefined);
    return result?.success ? new TextDecoder().decode(result.stdout).trim() : undefined;
  };
  const head = await git("rev-parse", "--short=12", "HEAD");
  if (head === undefined) {
    console.error(
      `bundle: cannot read the git commit of ${checkout}; ork --version will say "commit unknown"`,
    );
    return "unknown";
  }
  const status = await git("status", "--porcelain", "--untracked-files=normal");
  return status === "" ? head : `${head}-dirty`;
}
