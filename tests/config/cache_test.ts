import assert from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "../../src/config/mod.ts";
import { exists, tempDir } from "../helpers/mod.ts";

const CACHE = ".ork/cache/config.json";

async function repoWithConfig(text: string): Promise<{ dir: string } & AsyncDisposable> {
  const repo = await tempDir("ork-config-cache-");
  await Deno.mkdir(join(repo.dir, "config"));
  await Deno.mkdir(join(repo.dir, ".ork"));
  await Deno.writeTextFile(join(repo.dir, "config/orchestrator.yaml"), text);
  return repo;
}

Deno.test("the validated config is cached in .ork/cache and served from there while the files are unchanged", async () => {
  await using repo = await repoWithConfig("orchestrator:\n  max_concurrent: 4\n");
  assert.equal((await loadConfig(repo.dir)).orchestrator.max_concurrent, 4);
  const cachePath = join(repo.dir, CACHE);
  const entry = JSON.parse(await Deno.readTextFile(cachePath));
  // Plant a different value under the same key: a load that returns it proves the cache is what was read.
  entry.config.orchestrator.max_concurrent = 42;
  await Deno.writeTextFile(cachePath, JSON.stringify(entry));
  assert.equal((await loadConfig(repo.dir)).orchestrator.max_concurrent, 42);
});

Deno.test("an edit of the same size is never served stale from the cache", async () => {
  await using repo = await repoWithConfig("orchestrator:\n  max_concurrent: 4\n");
  assert.equal((await loadConfig(repo.dir)).orchestrator.max_concurrent, 4);
  await Deno.writeTextFile(
    join(repo.dir, "config/orchestrator.yaml"),
    "orchestrator:\n  max_concurrent: 5\n",
  );
  assert.equal((await loadConfig(repo.dir)).orchestrator.max_concurrent, 5);
  await Deno.writeTextFile(
    join(repo.dir, "config/orchestrator.yaml"),
    "orchestrator:\n  max_concurrent: x\n",
  );
  await assert.rejects(loadConfig(repo.dir), /orchestrator\.max_concurrent/);
});

Deno.test("no cache is written where ork init has not made .ork/", async () => {
  await using repo = await repoWithConfig("orchestrator:\n  max_concurrent: 4\n");
  await Deno.remove(join(repo.dir, ".ork"));
  assert.equal((await loadConfig(repo.dir)).orchestrator.max_concurrent, 4);
  assert.equal(exists(join(repo.dir, ".ork")), false);
});

Deno.test("a corrupt cache file is a miss, not an error", async () => {
  await using repo = await repoWithConfig("orchestrator:\n  max_concurrent: 4\n");
  await Deno.mkdir(join(repo.dir, ".ork/cache"));
  await Deno.writeTextFile(join(repo.dir, CACHE), "{not json");
  assert.equal((await loadConfig(repo.dir)).orchestrator.max_concurrent, 4);
  assert.equal(
    JSON.parse(await Deno.readTextFile(join(repo.dir, CACHE))).config.orchestrator.max_concurrent,
    4,
  );
});
