import assert from "node:assert/strict";
import { join } from "node:path";
import { checkoutLeaks } from "../../src/environment/mod.ts";
import { tempDir } from "../helpers/mod.ts";

Deno.test("checkoutLeaks finds PYTHONPATH, NODE_PATH and venv .pth entries naming the checkout, not the worktrees", async () => {
  await using tmp = await tempDir();
  const root = join(tmp.dir, "repo");
  const worktrees = join(root, ".ork", "worktrees");
  const venv = join(tmp.dir, "venv");
  const site = join(venv, "lib", "python3.11", "site-packages");
  await Deno.mkdir(worktrees, { recursive: true });
  await Deno.mkdir(site, { recursive: true });
  await Deno.writeTextFile(join(site, "__editable__.app-1.pth"), `${root}/src\n`);
  await Deno.writeTextFile(join(site, "other.pth"), `import sys\n${tmp.dir}/elsewhere\nrelative/path\n`);
  const leaks = await checkoutLeaks(root, worktrees, {
    PYTHONPATH: `${root}/lib:relative:${worktrees}/ork-x/src:/usr/lib/py`,
    NODE_PATH: `${root}/shared`,
    VIRTUAL_ENV: venv,
  });
  assert.deepEqual(leaks, [
    { source: "$PYTHONPATH", reaches: `${root}/lib` },
    { source: "$NODE_PATH", reaches: `${root}/shared` },
    { source: join(site, "__editable__.app-1.pth"), reaches: `${root}/src` },
  ]);
});

Deno.test("checkoutLeaks finds a node_modules in any folder above the job worktrees, and nothing in a clean setup", async () => {
  await using tmp = await tempDir();
  const root = join(tmp.dir, "repo");
  const worktrees = join(root, ".ork", "worktrees");
  await Deno.mkdir(worktrees, { recursive: true });
  // (Only the test's own folders: a machine may have a node_modules in / or /tmp.)
  const mine = async () =>
    (await checkoutLeaks(root, worktrees, {})).filter((leak) => leak.reaches.startsWith(tmp.dir));
  assert.deepEqual(await mine(), []);
  await Deno.mkdir(join(root, "node_modules"));
  await Deno.mkdir(join(tmp.dir, "node_modules"));
  assert.deepEqual(await mine(), [
    { source: "Node's module lookup from the job worktrees", reaches: join(root, "node_modules") },
    { source: "Node's module lookup from the job worktrees", reaches: join(tmp.dir, "node_modules") },
  ]);
});
