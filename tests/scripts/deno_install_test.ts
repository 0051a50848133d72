/**
 * scripts/_deno.sh, which scripts/ork and scripts/test source to get the pinned Deno from npm: when npm cannot
 * install it, npm's own reason in one line, and no second try (npm can take a minute) for ten minutes.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import { run, tempDir } from "../helpers/mod.ts";

const DENO_SH = fromFileUrl(new URL("../../scripts/_deno.sh", import.meta.url));

async function which(name: string): Promise<string | undefined> {
  const found = await run("sh", ["-c", `command -v ${name}`]);
  return found.code === 0 ? found.stdout.trim() : undefined;
}

const NPM = await which("npm");
const NODE = await which("node");

Deno.test({
  name: "a Deno install npm cannot do says npm's reason in one line, exits 2, and is not tried again at once",
  ignore: NPM === undefined || NODE === undefined,
  async fn() {
    await using temp = await tempDir("ork-deno-sh-");
    // A PATH with npm and node but no deno.
    const bin = join(temp.dir, "bin");
    await Deno.mkdir(bin);
    await Deno.symlink(NPM!, join(bin, "npm"));
    await Deno.symlink(NODE!, join(bin, "node"));
    const cache = join(temp.dir, "cache", "deno");
    const source = () =>
      run("sh", ["-c", `. '${DENO_SH}'; deno --version`], {
        env: {
          HOME: temp.dir,
          PATH: `${bin}:/usr/bin:/bin`,
          ORK_DENO_CACHE: cache,
          // A registry nobody listens on: npm fails at once.
          npm_config_registry: "http://127.0.0.1:1/",
          npm_config_fetch_retries: "0",
        },
        clearEnv: true,
      });

    const first = await source();
    assert.equal(first.code, 2, first.stderr);
    assert.match(
      first.stderr,
      /\nork: could not install deno@[\d.]+ with npm: FetchError: request to http:\/\/127\.0\.0\.1:1\/deno failed, reason: connect ECONNREFUSED 127\.0\.0\.1:1 \(all of npm's output: .*\.npm\.log\)\n$/,
    );
    const second = await source();
    assert.equal(second.code, 2);
    assert.equal(
      second.stderr,
      `ork: installing deno@2.9.6 with npm failed less than 10 minutes ago: FetchError: request to ` +
        `http://127.0.0.1:1/deno failed, reason: connect ECONNREFUSED 127.0.0.1:1; fix that, or remove ` +
        `${cache}.failed to try again now\n`,
    );
  },
});
