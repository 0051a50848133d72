import assert from "node:assert/strict";
import { join } from "node:path";
import { CONFIG_FILES, configTemplates, writeMissingConfig } from "../../src/config/mod.ts";
import { snapshot, tempDir } from "../helpers/mod.ts";

Deno.test("writeMissingConfig writes both templates into an empty repository", async () => {
  await using tmp = await tempDir();
  assert.deepEqual(await writeMissingConfig(tmp.dir), [CONFIG_FILES.orchestrator, CONFIG_FILES.roles]);
  assert.deepEqual(await snapshot(tmp.dir), { "config/": "", ...configTemplates() });
});

Deno.test("writeMissingConfig writes only the file that is absent", async () => {
  await using tmp = await tempDir();
  await Deno.mkdir(join(tmp.dir, "config"));
  await Deno.writeTextFile(join(tmp.dir, CONFIG_FILES.roles), "roles: {}\n");
  assert.deepEqual(await writeMissingConfig(tmp.dir), [CONFIG_FILES.orchestrator]);
  assert.equal(await Deno.readTextFile(join(tmp.dir, CONFIG_FILES.roles)), "roles: {}\n");
});

Deno.test("writeMissingConfig never overwrites an edited file, even an empty one", async () => {
  await using tmp = await tempDir();
  await writeMissingConfig(tmp.dir);
  await Deno.writeTextFile(join(tmp.dir, CONFIG_FILES.orchestrator), "orchestrator:\n  max_concurrent: 9\n");
  await Deno.writeTextFile(join(tmp.dir, CONFIG_FILES.roles), "");
  const before = await snapshot(tmp.dir);
  assert.deepEqual(await writeMissingConfig(tmp.dir), []);
  assert.deepEqual(await snapshot(tmp.dir), before);
});

Deno.test("concurrent writeMissingConfig calls write each file exactly once", async () => {
  await using tmp = await tempDir();
  const results = await Promise.all([writeMissingConfig(tmp.dir), writeMissingConfig(tmp.dir)]);
  assert.deepEqual(results.flat().sort(), [CONFIG_FILES.roles, CONFIG_FILES.orchestrator].sort());
  assert.deepEqual(await snapshot(tmp.dir), { "config/": "", ...configTemplates() });
});
