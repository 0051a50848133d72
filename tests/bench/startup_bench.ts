// Start-up cost of whole ork processes, run from the one-file bundle, beside a `deno run` of an empty file in the
// same run: `enqueue`, `--version`, `status` and `stats`. Target: `ork enqueue` within 3x the empty file.
import { join } from "node:path";
import { CHECKOUT, git, run } from "../helpers/mod.ts";

const work = await Deno.realPath(await Deno.makeTempDir({ prefix: "ork-bench-startup-" }));
globalThis.addEventListener("unload", () => Deno.removeSync(work, { recursive: true }));
const bundle = join(work, "ork.js");
const built = await run(Deno.execPath(), ["run", "--allow-all", join(CHECKOUT, "scripts/bundle.ts"), bundle]);
if (built.code !== 0) throw new Error(`bundle failed: ${built.stderr}`);
const empty = join(work, "empty.js");
await Deno.writeTextFile(empty, "");
const repo = join(work, "repo");
await Deno.mkdir(repo);
await git(repo, "init", "--quiet", "--initial-branch=main");
const deno = (...args: string[]) =>
  new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--no-config", ...args],
    cwd: repo,
    stdout: "null",
    stderr: "null",
  });
await deno(bundle, "init").output();
await deno(bundle, "list").output(); // fills the config cache, as any earlier command would have

Deno.bench({ name: "deno run of an empty file", group: "startup", baseline: true }, async () => {
  await deno(empty).output();
});
Deno.bench({ name: "ork enqueue (bundle)", group: "startup" }, async () => {
  const { code } = await deno(bundle, "enqueue", "--role", "bug-catcher", "--desc", "bench", "--cmd", "true")
    .output();
  if (code !== 0) throw new Error(`enqueue exited ${code}`);
});
Deno.bench({ name: "ork --version (bundle)", group: "startup" }, async () => {
  await deno(bundle, "--version").output();
});
Deno.bench({ name: "ork status (bundle)", group: "startup", n: 30 }, async () => {
  const { code } = await deno(bundle, "status").output();
  if (code !== 0) throw new Error(`status exited ${code}`);
});
Deno.bench({ name: "ork stats, 10 jobs (bundle)", group: "startup", n: 30 }, async () => {
  await deno(bundle, "stats").output();
});
