/**
 * The zod schemas of the two config files (what each key expects in words, for error messages, is in
 * `fields.ts`). Loaded only when a config file has content (see `load.ts`): zod is not free to import.
 *
 * @module
 */

import * as z from "zod/mini";
import { MAX_TIMEOUT_SECONDS } from "../time/mod.ts";
import { CONFIG_FILES, type ConfigFile } from "./types.ts";
import { DEFAULT_CONFIG } from "./defaults.ts";
import { messageOf } from "../errors/mod.ts";
import { nestedRepetition } from "./regex.ts";

export { FIELDS, type FieldSpec } from "./fields.ts";

/** The top-level keys each file accepts; a key of the other file is reported as misplaced. */
export const FILE_KEYS: Readonly<Record<ConfigFile, readonly string[]>> = {
  [CONFIG_FILES.orchestrator]: [
    "orchestrator",
    "landing",
    "environment",
    "hooks",
    "rate_limit",
    "agents",
    "merge_gates",
  ],
  [CONFIG_FILES.roles]: ["roles", "forbidden_patterns"],
};

/** Gate and role names: safe in file names, log lines and command-line flags. */
export const NAME_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Role names: as gate names, without dots (a dotted key path must stay readable). */
export const ROLE_NAME_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** A hint carried by a custom issue in its `params`. */
function hinted(
  message: string,
  hint: string,
): { code: "custom"; message: string; params: { hint: string } } {
  return { code: "custom", message, params: { hint } };
}

/** Most tries again a gate may have: a gate that fails 10 times in a row is broken, not flaky. */
export const MAX_GATE_RETRIES = 10;
/** Most candidates under test at once. */
export const MAX_LANDING_PARALLEL = 64;
/** The most jobs one candidate of the merge train may hold (`landing.batch`). */
export const MAX_LANDING_BATCH = 32;
const seconds = z.number().check(z.positive(), z.maximum(MAX_TIMEOUT_SECONDS));

/** A string that must compile as a JavaScript regular expression. */
const regex = z.string().check(z.superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (error) {
    // V8 says "Invalid regular expression: /(/: Unterminated group"; the key path already shows the pattern.
    const reason = (messageOf(error))
      .replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "");
    ctx.addIssue(hinted(
      `not a valid regular expression: ${reason}`,
      "fix the pattern (JavaScript RegExp syntax); escape a literal character such as ( or [ with a backslash",
    ));
  }
}));

/**
 * A pattern run on a failed command's output (`rate_limit.patterns`), text a job controls: it must not
 * backtrack exponentially, nor match empty text (every failure would look like a usage limit).
 */
const outputPattern = regex.check(z.superRefine((source, ctx) => {
  let matchesEmpty: boolean;
  try {
    matchesEmpty = new RegExp(source, "i").test("");
  } catch {
    return; // `regex` says why.
  }
  const slow = nestedRepetition(source);
  if (slow !== null) {
    ctx.addIssue(
      hinted(`too slow a regular expression: ${slow}`, "repeat a plain class instead, such as [\\w ]+"),
    );
  } else if (matchesEmpty) {
    ctx.addIssue(hinted(
      "the pattern matches empty text, so every failed command would look like a usage limit",
      "name words the agent prints, such as 'usage limit reached'",
    ));
  }
}));

/** A path the user names on this machine: absolute, or below the home folder (`~`, `~/...`). */
const homePath = z.string().check(z.superRefine((path, ctx) => {
  if (path === "~" || path.startsWith("/") || path.startsWith("~/")) return;
  ctx.addIssue(hinted(
    `${JSON.stringify(path)} is not an absolute path or one starting with ~/`,
    'write the path whole, such as "~/.claude" or "/opt/agent/state"',
  ));
}));

/** A path inside the repository: relative, not leaving it, not into its git dir, not the top itself. */
const repoPath = z.string().check(z.superRefine((path, ctx) => {
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  if (
    !path.startsWith("/") && !path.startsWith("~") && parts.length > 0 &&
    !parts.some((part) => part === ".." || part === ".git") && parts[0] !== ".ork"
  ) return;
  ctx.addIssue(hinted(
    `${JSON.stringify(path)} is not a path inside the repository`,
    'write it relative to the repository\'s top, without .. or .git, and outside .ork/, such as "package-lock.json"',
  ));
}));

/** ork's own folders, which `queue_dir` and `worktree_base` may not be (or be inside). */
const ORK_FOLDERS = ["archive", "quarantine", "locks", "logs", "env", "cache", "trains"];

/**
 * A folder of ork's own state: below `.ork/`, where ork may move, reset and delete what it finds. Anywhere else
 * (`.`, `../x`, `src`) the user's files would be taken for job files or worktrees.
 */
const orkFolder = z.string().check(z.superRefine((path, ctx) => {
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  if (
    !path.startsWith("/") && parts[0] === ".ork" && parts.length >= 2 && !parts.includes("..") &&
    // Compared without case: on a case-insensitive disk `.ork/Logs` is `.ork/logs`.
    !ORK_FOLDERS.includes(parts[1]!.toLowerCase())
  ) return;
  ctx.addIssue(hinted(
    `${JSON.stringify(path)} is not a folder of its own below .ork/`,
    "keep ork's state below .ork/, in a folder of its own such as the default; ork moves and deletes what it " +
      `finds there (${ORK_FOLDERS.map((name) => `.ork/${name}`).join(", ")} are taken)`,
  ));
}));

const orchestratorSchema = z.partial(z.strictObject({
  max_concurrent: z.int().check(z.minimum(1)),
  worktree_base: orkFolder,
  queue_dir: orkFolder,
  job_timeout: seconds,
  stale_lock_timeout: seconds,
  max_retries: z.int().check(z.minimum(0)),
  log_max_bytes: z.int().check(z.minimum(4096)),
  retry_on: z.array(z.enum(["command", "timeout", "gate", "conflict", "setup"])),
  target_branch: z.nullable(z.string().check(z.minLength(1))),
  sandbox: z.enum(["auto", "off", "required"]),
  sandbox_writable: z.array(homePath),
})).check(z.superRefine((orchestrator, ctx) => {
  // One inside the other, ork would take job files for worktrees' files, or the reverse.
  const folders = {
    queue_dir: orchestrator.queue_dir ?? DEFAULT_CONFIG.orchestrator.queue_dir,
    worktree_base: orchestrator.worktree_base ?? DEFAULT_CONFIG.orchestrator.worktree_base,
  };
  const [queue, worktrees] = [folders.queue_dir, folders.worktree_base].map((path) =>
    path.split("/").filter((part) => part !== "" && part !== ".").join("/").toLowerCase() + "/"
  );
  if (!queue!.startsWith(worktrees!) && !worktrees!.startsWith(queue!)) return;
  const key = orchestrator.queue_dir === undefined ? "worktree_base" : "queue_dir";
  const other = key === "queue_dir" ? "worktree_base" : "queue_dir";
  ctx.addIssue({
    ...hinted(
      `${JSON.stringify(folders[key])} overlaps ${other} (${JSON.stringify(folders[other])})`,
      "give the queue and the worktrees a folder each, such as the defaults .ork/queue and .ork/worktrees",
    ),
    path: [key],
  });
}));

const environmentSchema = z.partial(z.strictObject({
  setup: z.nullable(z.string().check(z.trim(), z.minLength(1))),
  inputs: z.array(repoPath),
  copy: z.array(repoPath),
  timeout: seconds,
}));

const hookCommand = z.nullable(z.string().check(z.trim(), z.minLength(1)));
const hooksSchema = z.partial(z.strictObject({
  on_landed: hookCommand,
  on_completed: hookCommand,
  on_failed: hookCommand,
  on_cancelled: hookCommand,
  on_awaiting_review: hookCommand,
  notify: z.enum(["none", "desktop"]),
  timeout: seconds,
}));

const rateLimitSchema = z.partial(z.strictObject({
  exit_codes: z.array(z.int().check(z.minimum(1), z.maximum(255))),
  patterns: z.array(outputPattern),
  wait: seconds,
  max_waits: z.int().check(z.minimum(1), z.maximum(1000)),
}));

const landingSchema = z.partial(z.strictObject({
  strategy: z.enum(["merge", "squash"]),
  parallel: z.nullable(z.int().check(z.minimum(1), z.maximum(MAX_LANDING_PARALLEL))),
  batch: z.int().check(z.minimum(1), z.maximum(MAX_LANDING_BATCH)),
  approve: z.enum(["auto", "manual"]),
}));

const nonEmptyTrimmed = () => z.string().check(z.trim(), z.minLength(1));

const gateSchema = z.strictObject({
  name: z.string().check(z.regex(NAME_PATTERN)),
  type: z.optional(z.enum(["shell", "secrets", "file_size"])),
  command: z.optional(nonEmptyTrimmed()),
  required: z.optional(z.boolean()),
  timeout: z.optional(seconds),
  max_bytes: z.optional(z.int().check(z.positive())),
  allow: z.optional(z.array(nonEmptyTrimmed())),
  exclude: z.optional(z.array(nonEmptyTrimmed())),
  retries: z.optional(z.int().check(z.minimum(0), z.maximum(MAX_GATE_RETRIES))),
  parallel: z.optional(z.boolean()),
}).check(z.superRefine((gate, ctx) => {
  const type = gate.type ?? "shell";
  if (type === "shell" && gate.command === undefined) {
    ctx.addIssue(hinted(
      "a shell gate needs a command",
      "add `command:` with the shell command to run, or set type: to secrets or file_size",
    ));
  }
  if (type !== "shell" && gate.command !== undefined) {
    ctx.addIssue({
      ...hinted(
        `only shell gates take a command, this one is ${type}`,
        "delete command:, or set type: shell",
      ),
      path: ["command"],
    });
  }
  for (const [key, only] of [["allow", "secrets"], ["exclude", "file_size"]] as const) {
    if (gate[key] !== undefined && type !== only) {
      ctx.addIssue({
        ...hinted(
          `only ${only} gates take ${key}, this one is ${type}`,
          `delete ${key}:, or set type: ${only}`,
        ),
        path: [key],
      });
    }
  }
  if (type !== "file_size" && gate.max_bytes !== undefined) {
    ctx.addIssue({
      ...hinted(
        `only file_size gates take max_bytes, this one is ${type}`,
        "delete max_bytes:, or set type: file_size",
      ),
      path: ["max_bytes"],
    });
  }
}));

const gatesSchema = z.array(gateSchema).check(z.superRefine((gates, ctx) => {
  const seen = new Map<string, number>();
  gates.forEach((gate, index) => {
    const first = seen.get(gate.name);
    if (first === undefined) seen.set(gate.name, index);
    else {
      ctx.addIssue({
        ...hinted(
          `duplicate gate name "${gate.name}" (also merge_gates[${first}])`,
          "give each gate its own name",
        ),
        path: [index, "name"],
      });
    }
  });
}));

const agentSchema = z.strictObject({
  command: z.string().check(z.superRefine((command, ctx) => {
    if (/\$\{?ORK_PROMPT\b/.test(command)) return;
    ctx.addIssue(hinted(
      "the command never reads $ORK_PROMPT, so the agent would not get the prompt",
      'pass "$ORK_PROMPT" where the agent takes its prompt, such as claude -p "$ORK_PROMPT"',
    ));
  })),
  writable: z.optional(z.array(homePath)),
  env: z.optional(z.record(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/)), z.string())),
}).check(z.superRefine((agent, ctx) => {
  for (const [name, value] of Object.entries(agent.env ?? {})) {
    // ork sets the ORK_ variables; HOME decides where ~ is, which its writable paths were read against.
    if (/^ORK_/.test(name) || name === "HOME") {
      ctx.addIssue({
        ...hinted(
          `${name} is ork's to set`,
          "set it where ork runs (HOME), or leave it to ork (ORK_*); give the agent variables of its own",
        ),
        path: ["env", name],
      });
    }
    if (value.includes("\0")) {
      ctx.addIssue({
        ...hinted(`${name} holds a NUL character`, "give the value as text"),
        path: ["env", name],
      });
    }
  }
}));

const roleSchema = z.strictObject({
  description: nonEmptyTrimmed(),
  allowed_tools: z.array(nonEmptyTrimmed()),
  forbidden_patterns: z.optional(z.array(regex)),
  sandbox_writable: z.optional(z.array(homePath)),
});

/** The schema of each file. Every key is optional: an absent key keeps its default. */
export const FILE_SCHEMAS = {
  [CONFIG_FILES.orchestrator]: z.strictObject({
    // `orchestrator:` with every setting commented out is null: it overrides nothing.
    orchestrator: z.optional(z.nullable(orchestratorSchema)),
    landing: z.optional(z.nullable(landingSchema)),
    environment: z.optional(z.nullable(environmentSchema)),
    hooks: z.optional(z.nullable(hooksSchema)),
    rate_limit: z.optional(z.nullable(rateLimitSchema)),
    agents: z.optional(z.nullable(z.record(z.string().check(z.regex(ROLE_NAME_PATTERN)), agentSchema))),
    merge_gates: z.optional(gatesSchema),
  }),
  [CONFIG_FILES.roles]: z.strictObject({
    roles: z.optional(z.record(z.string().check(z.regex(ROLE_NAME_PATTERN)), roleSchema)),
    forbidden_patterns: z.optional(z.array(regex)),
  }),
} as const;

/** What a file's schema yields. */
export type FileData = {
  [File in ConfigFile]: z.output<(typeof FILE_SCHEMAS)[File]>;
};
