/**
 * Real coding-agent CLIs for the tests, from npm at pinned versions, installed once into a cache folder shared
 * by every test run (`.ci/run` installs them before the tests; a developer's first run does it here).
 *
 * @module
 */

import { join } from "node:path";

/** The agents the tests run, with the npm package and the version ork's presets were tested with. */
export const AGENT_PACKAGES = {
  claude: { npm: "@anthropic-ai/claude-code", version: "2.1.328", bin: "claude" },
  codex: { npm: "@openai/codex", version: "0.169.0", bin: "codex" },
  qwen: { npm: "@qwen-code/qwen-code", version: "0.24.4", bin: "qwen" },
  gemini: { npm: "@google/gemini-cli", version: "0.61.0", bin: "gemini" },
} as const;

/** One of {@link AGENT_PACKAGES}. */
export type AgentName = keyof typeof AGENT_PACKAGES;

/** Where agents are installed: `$ORK_AGENTS_CACHE`, else `~/.cache/ork-dev/agents`. */
export function agentsCache(): string {
  const home = Deno.env.get("HOME") ?? "/root";
  return Deno.env.get("ORK_AGENTS_CACHE") ??
    join(Deno.env.get("XDG_CACHE_HOME") ?? join(home, ".cache"), "ork-dev", "agents");
}

/**
 * The folder holding the agent's program (its `node_modules/.bin`), installing the pinned version first when it
 * is missing. Test files running at once take turns by a lock on the cache.
 *
 * @throws Error when npm cannot install it
 */
export async function agentBinDir(name: AgentName): Promise<string> {
  const pkg = AGENT_PACKAGES[name];
  const prefix = join(agentsCache(), `${name}-${pkg.version}`);
  const bin = join(prefix, "node_modules", ".bin");
  if (await isFile(join(bin, pkg.bin))) return bin;
  await Deno.mkdir(agentsCache(), { recursive: true });
  using lock = await Deno.open(join(agentsCache(), ".install.lock"), { create: true, write: true });
  await lock.lock(true);
  if (await isFile(join(bin, pkg.bin))) return bin;
  const installed = await new Deno.Command("npm", {
    args: ["install", "--silent", "--no-audit", "--no-fund", "--prefix", prefix, `${pkg.npm}@${pkg.version}`],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!installed.success || !(await isFile(join(bin, pkg.bin)))) {
    throw new Error(
      `npm could not install ${pkg.npm}@${pkg.version}: ${new TextDecoder().decode(installed.stderr)}`,
    );
  }
  return bin;
}

async function isFile(path: string): Promise<boolean> {
  return await Deno.stat(path).then((info) => info.isFile, () => false);
}
