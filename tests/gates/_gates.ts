import { join } from "node:path";
import type { GateConfig } from "../../src/config/mod.ts";
import { run } from "../helpers/mod.ts";

/** A shell gate with the config's defaults (required, 300 s) unless overridden. */
export function shellGate(name: string, command: string, fields: Partial<GateConfig> = {}): GateConfig {
  return { name, type: "shell", command, required: true, timeout: 300, ...fields };
}

/** A secrets gate (required, 300 s) unless overridden. */
export function secretsGate(name: string, fields: Partial<GateConfig> = {}): GateConfig {
  return { name, type: "secrets", required: true, timeout: 300, ...fields };
}

/** A file_size gate (required, 300 s) unless overridden. */
export function fileSizeGate(name: string, fields: Partial<GateConfig> = {}): GateConfig {
  return { name, type: "file_size", required: true, timeout: 300, ...fields };
}

/**
 * A realistic fake AWS key pair that secretlint's preset reports. AWS's documented example pair
 * (AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY) is ignored by the preset on purpose.
 */
export const FAKE_AWS = {
  id: "AKIAQX7Z3N5P2R4T6V8W",
  secret: "Zq3v9Xk2Lm8Rt5Wp1Ys7Ub4Nc6Hd0Fj2Ga9Ke3Mx",
} as const;

/** An env file with {@link FAKE_AWS} on lines 2 and 3. */
export const AWS_ENV =
  `# app settings\nAWS_ACCESS_KEY_ID=${FAKE_AWS.id}\nAWS_SECRET_ACCESS_KEY=${FAKE_AWS.secret}\n`;

let indexCount = 0;

/**
 * Makes a commit on top of `parent` in the object store only (no worktree): `files` maps a path to its new
 * content (text or bytes), or to null to delete it.
 *
 * @returns the new commit's sha
 */
export async function commitFiles(
  dir: string,
  parent: string,
  files: Record<string, string | Uint8Array | null>,
): Promise<string> {
  const env = { GIT_INDEX_FILE: join(dir, ".git", `gates-test-index-${Deno.pid}-${indexCount++}`) };
  const git = async (args: string[]): Promise<string> => {
    const result = await run("git", ["-C", dir, ...args], { env });
    if (result.code !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
    return result.stdout.trim();
  };
  await git(["read-tree", parent]);
  for (const [path, content] of Object.entries(files)) {
    if (content === null) {
      await git(["update-index", "--force-remove", "--", path]);
      continue;
    }
    const temp = await Deno.makeTempFile();
    await Deno.writeFile(temp, typeof content === "string" ? new TextEncoder().encode(content) : content);
    const blob = await git(["hash-object", "-w", "--", temp]);
    await Deno.remove(temp);
    await git(["update-index", "--add", "--cacheinfo", `100644,${blob},${path}`]);
  }
  const tree = await git(["write-tree"]);
  const commit = await git(["commit-tree", tree, "-p", parent, "-m", "change"]);
  await Deno.remove(env.GIT_INDEX_FILE);
  return commit;
}

/** Every file below `dir` whose bytes contain `needle` (paths relative to `dir`). */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  const bytes = new TextEncoder().encode(needle);
  async function walk(path: string, rel: string): Promise<void> {
    for await (const entry of Deno.readDir(path)) {
      const full = join(path, entry.name);
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(full, name);
      else if (entry.isFile && includesBytes(await Deno.readFile(full), bytes)) found.push(name);
    }
  }
  await walk(dir, "");
  return found;
}

function includesBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
