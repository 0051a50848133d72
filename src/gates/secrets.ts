/**
 * The `secrets` gate: scans the lines a change adds with secretlint's recommended preset and ork's
 * high-entropy assignment rule (entropy.ts). Findings name the file, the line and the rule, and show the
 * secret masked, never whole. This module loads secretlint, so it is imported only when a secrets gate runs.
 *
 * @module
 */

import { lintSource } from "@secretlint/core";
import { secretLintProfiler } from "@secretlint/profiler";
import { creator as recommendedPreset } from "@secretlint/secretlint-rule-preset-recommend";
import { extname } from "node:path";
import type { GateConfig } from "../config/mod.ts";
import { type AddedText, addedText, changedFiles, type ChangeSource, fileSizes } from "../git/mod.ts";
import type { CheckOutcome } from "./builtin.ts";
import { ENTROPY_RULE_ID, findAssignedSecrets } from "./entropy.ts";
import { globMatcher } from "./glob.ts";
import { maskSecret } from "./mask.ts";

// secretlint's profiler is on by default and keeps a performance mark per rule and file for ever: in a
// long-running `ork run` that is a leak, and it triples the cost of each file.
secretLintProfiler.setEnabled(false);

/** Files larger than this are not scanned: git's own diff treats them as binary (core.bigFileThreshold). */
const TOO_BIG_TO_SCAN = 512 * 1024 * 1024;

/** The comment that lets one line through: `token = "..."  # ork:allow-secret (a test fixture)`. */
export const ALLOW_COMMENT = "ork:allow-secret";

/** One secret found. */
export interface SecretFinding {
  /** The file, from the repository's top. */
  readonly path: string;
  /** The 1-based line in the new file. */
  readonly line: number;
  /** The rule's id, e.g. `@secretlint/secretlint-rule-aws` or `ork/high-entropy-assignment`. */
  readonly rule: string;
  /** What was found, e.g. `AWS secret access key`. */
  readonly label: string;
  /** The secret masked (see `maskSecret`), or "" when the rule does not say which text it is. */
  readonly masked: string;
}

type LintConfig = Parameters<typeof lintSource>[0]["options"]["config"];

const PRESET_ID = "@secretlint/secretlint-rule-preset-recommend";

/** secretlint's recommended preset, with AWS access key ids scanned too (they are off by default). */
const CONFIG: LintConfig = {
  rules: [{
    id: PRESET_ID,
    rule: recommendedPreset,
    rules: [{ id: "@secretlint/secretlint-rule-aws", options: { enableIDScanRule: true } }],
  }],
};

/**
 * Message ids not reported: an AWS account id (turned on with the access key ids) names an account, it does
 * not open it, and configuration is full of them.
 */
const IGNORED_MESSAGES = new Set(["AWSAccountID"]);

/** Labels clearer than the message id turned into words. */
const LABELS: Record<string, string> = {
  AWSAccessKeyID: "AWS access key",
  AWSSecretAccessKey: "AWS secret access key",
};

/**
 * Scans added text for secrets. Secrets on lines with {@link ALLOW_COMMENT} are not reported; binary files are
 * skipped (secretlint's rules read text).
 *
 * @param files what the change adds, from `addedText`
 * @param signal checked between files; the scan throws its reason once it is aborted
 * @returns the findings, by file (in the order given) and line
 */
export async function scanAddedText(
  files: readonly AddedText[],
  signal?: AbortSignal,
): Promise<SecretFinding[]> {
  const findings: SecretFinding[] = [];
  for (const file of files) {
    signal?.throwIfAborted();
    if (file.binary || file.text === "") continue;
    findings.push(...await scanFile(file));
  }
  return findings;
}

async function scanFile(file: AddedText): Promise<SecretFinding[]> {
  const result = await lintSource({
    source: { filePath: file.path, ext: extname(file.path), content: file.text, contentType: "text" },
    // Unmasked, so that the finding can show its own mask; secretlint's message text is never shown.
    options: { config: CONFIG, maskSecrets: false, noPhysicFilePath: true },
  });
  const lines = new LineIndex(file);
  const byLine = new Map<number, SecretFinding>();
  for (const message of result.messages) {
    if (IGNORED_MESSAGES.has(message.messageId)) continue;
    const at = lines.lineAt(message.range[0]);
    if (at === null || lines.textOf(at).includes(ALLOW_COMMENT)) continue;
    const line = lines.numberOf(at);
    if (byLine.has(line)) continue; // one finding per line is enough to find it
    byLine.set(line, {
      path: file.path,
      line,
      rule: message.ruleId,
      label: LABELS[message.messageId] ?? words(message.messageId),
      masked: maskSecret(secretOf(message.data, file.text.slice(message.range[0], message.range[1]), file)),
    });
  }
  for (const found of findAssignedSecrets(file.text)) {
    const at = lines.lineAt(found.index);
    if (at === null || lines.textOf(at).includes(ALLOW_COMMENT)) continue;
    const line = lines.numberOf(at);
    if (byLine.has(line)) continue; // the preset named it more precisely
    byLine.set(line, {
      path: file.path,
      line,
      rule: ENTROPY_RULE_ID,
      label: "high-entropy secret assignment",
      masked: maskSecret(found.value),
    });
  }
  return [...byLine.values()].sort((a, b) => a.line - b.line);
}

/**
 * The secret a message is about. Rules put it in the message's data (`{KEY: "..."}`) but not always at the
 * range they report (the AWS secret key rule reports the start of the whole assignment), so the longest data
 * value that occurs in the text wins, and the range's text is the fallback.
 */
function secretOf(data: unknown, rangeText: string, file: AddedText): string {
  let best = "";
  if (typeof data === "object" && data !== null) {
    for (const value of Object.values(data)) {
      if (typeof value === "string" && value.length > best.length && file.text.includes(value)) best = value;
    }
  }
  return best !== "" ? best : rangeText;
}

/** `AWSSecretAccessKey` -> `AWS secret access key`; `SLACK_TOKEN` -> `slack token`. */
function words(messageId: string): string {
  const parts = messageId.replace(/_/g, " ").match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g) ?? [messageId];
  const allCaps = /^[A-Z0-9_]+$/.test(messageId);
  return parts.map((part) => (allCaps || !/^[A-Z0-9]+$/.test(part) ? part.toLowerCase() : part)).join(" ");
}

/** Positions in a file's added text, to its lines and their numbers in the new file. */
class LineIndex {
  #starts: number[] | null = null;
  constructor(private readonly file: AddedText) {}

  /** The index of the added-text line that holds `offset`, moved past separator lines; null past the end. */
  lineAt(offset: number): number | null {
    const starts = this.starts();
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    for (let at = low; at < this.file.lines.length; at++) if (this.file.lines[at]! > 0) return at;
    return null;
  }

  numberOf(at: number): number {
    return this.file.lines[at] ?? 0;
  }

  textOf(at: number): string {
    const starts = this.starts();
    const end = at + 1 < starts.length ? starts[at + 1]! - 1 : this.file.text.length;
    return this.file.text.slice(starts[at], end);
  }

  private starts(): number[] {
    if (this.#starts === null) {
      const starts = [0];
      const text = this.file.text;
      for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
      this.#starts = starts;
    }
    return this.#starts;
  }
}

/**
 * Runs a secrets gate's check on a change: lists what it adds (files matching the gate's `allow` globs left
 * out), reads the added lines and scans them.
 *
 * @param gate the gate's config
 * @param cwd the top of a worktree of the repository
 * @param change what to look at
 * @param signal aborts the check between steps
 * @returns the masked findings as log lines, and the failure when there are any
 */
export async function checkSecrets(
  gate: GateConfig,
  cwd: string,
  change: ChangeSource,
  signal?: AbortSignal,
): Promise<CheckOutcome> {
  const allowed = globMatcher(gate.allow ?? []);
  const changed = await changedFiles(cwd, change);
  const listed = changed.filter((file) => !allowed(file.path));
  // A file too big for git's own diff to treat as text is not read into memory: a job that adds a 2 GB dump
  // must not take the runner down (the file_size gate is the one that judges it).
  const sizes = await fileSizes(cwd, listed);
  const files = listed.filter((file) => (sizes.get(file.path) ?? 0) <= TOO_BIG_TO_SCAN);
  signal?.throwIfAborted();
  const added = await addedText(cwd, change, files);
  const findings = await scanAddedText(added, signal);
  const lineCount = added.reduce((sum, file) => sum + file.lines.filter((line) => line > 0).length, 0);
  const skipped = changed.length - listed.length;
  const tooBig = listed.length - files.length;
  const binary = added.filter((file) => file.binary).length;
  const lines = [
    `scanned ${plural(added.length - binary, "file")} (${plural(lineCount, "added line")})` +
    (skipped > 0 ? `; ${skipped} allowed by the gate's allow globs` : "") +
    (binary > 0 ? `; ${binary} binary skipped` : "") +
    (tooBig > 0 ? `; ${tooBig} over ${TOO_BIG_TO_SCAN / 1024 / 1024} MiB skipped` : ""),
    ...findings.map((f) =>
      `${f.path}:${f.line}: ${f.label} (${f.rule})${f.masked === "" ? "" : ` ${f.masked}`}`
    ),
  ];
  if (findings.length === 0) return { lines, error: null };
  const shown = findings.slice(0, 5).map((f) => `${f.path}:${f.line} (${f.label})`);
  const more = findings.length > shown.length ? `, and ${findings.length - shown.length} more` : "";
  return { lines, error: `${plural(findings.length, "finding")}: ${shown.join(", ")}${more}` };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
