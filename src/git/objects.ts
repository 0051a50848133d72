/**
 * Checking that objects hold what their names say. git never writes an object it believes it has, and reads one
 * without hashing it again: an object planted under the name of content about to be written (by a job, which
 * can write `.git/objects`) stands in for that content wherever the name is used.
 *
 * @module
 */

import { OrkError } from "../errors/mod.ts";
import { gitCommandEnv, gitError } from "./git.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The objects among `ids` whose stored content does not hash to their name, or that are missing.
 *
 * @param root the main worktree's root
 * @param ids full object names (SHA-1 or SHA-256, as the repository uses)
 * @returns the names that failed, in the order given; empty when every object is sound
 * @throws {OrkError} `git-failed` when git cannot be run or its output cannot be read
 */
export async function unsoundObjects(root: string, ids: readonly string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const args = ["cat-file", "--batch"];
  const child = new Deno.Command("git", {
    args: ["-C", root, ...args],
    env: gitCommandEnv(),
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  // Written while git answers, so that a long list cannot fill both pipes and stall.
  const writing = writer.write(encoder.encode(unique.map((id) => `${id}\n`).join(""))).then(() =>
    writer.close()
  );
  const [output] = await Promise.all([child.output(), writing]);
  if (output.code !== 0) {
    throw gitError(root, args, { code: output.code, stdout: "", stderr: decoder.decode(output.stderr) });
  }
  const unsound: string[] = [];
  const out = output.stdout;
  let at = 0;
  for (const id of unique) {
    const newline = out.indexOf(10, at);
    if (newline === -1) throw unreadable(root);
    // `<name> <type> <size>`, or `<name> missing`
    const [name, type, size] = decoder.decode(out.subarray(at, newline)).split(" ");
    if (name !== id) throw unreadable(root);
    if (type === "missing" || size === undefined || !/^\d+$/.test(size)) {
      unsound.push(id);
      at = newline + 1;
      continue;
    }
    const start = newline + 1;
    const end = start + Number(size);
    if (end > out.length) throw unreadable(root);
    const header = encoder.encode(`${type} ${size}\0`);
    const whole = new Uint8Array(header.length + (end - start));
    whole.set(header);
    whole.set(out.subarray(start, end), header.length);
    const digest = await crypto.subtle.digest(id.length === 64 ? "SHA-256" : "SHA-1", whole);
    if (hex(new Uint8Array(digest)) !== id) unsound.push(id);
    at = end + 1; // the newline after the content
  }
  return unsound;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function unreadable(root: string): OrkError {
  return new OrkError(
    "git-failed",
    `could not read 'git cat-file --batch' in ${root}: its output ended early or named another object`,
    `check the repository with 'git -C ${root} fsck'`,
  );
}
