import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { DENO_JSON, run } from "../helpers/mod.ts";

/** The part of `deno info --json` this test reads. */
interface ModuleInfo {
  specifier: string;
  dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
}

Deno.test("importing the config module loads neither yaml nor zod until a config file needs parsing", async () => {
  const entry = new URL("../../src/config/mod.ts", import.meta.url);
  const result = await run(Deno.execPath(), ["info", "--json", "--config", DENO_JSON, fileURLToPath(entry)]);
  assert.equal(result.code, 0, result.stderr);
  const info: { modules: ModuleInfo[]; redirects: Record<string, string> } = JSON.parse(result.stdout);
  const modules = new Map(info.modules.map((module) => [module.specifier, module]));

  // Walk only the static, runtime imports (type-only imports have no `code`): what `import` itself loads.
  const loaded = new Set<string>();
  const pending = [entry.href];
  while (pending.length > 0) {
    const specifier = pending.pop() ?? "";
    const resolved = info.redirects[specifier] ?? specifier;
    if (loaded.has(resolved)) continue;
    loaded.add(resolved);
    for (const dependency of modules.get(resolved)?.dependencies ?? []) {
      if (dependency.code !== undefined && dependency.isDynamic !== true) {
        pending.push(dependency.code.specifier);
      }
    }
  }
  assert.deepEqual([...loaded].filter((specifier) => specifier.startsWith("npm:")), []);
  assert.ok([...loaded].some((specifier) => specifier.endsWith("/src/config/load.ts")));
  assert.ok(!loaded.has(new URL("../../src/config/parse.ts", import.meta.url).href));
});
