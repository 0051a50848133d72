/**
 * The zod schemas of the two config files, and what each key expects in words, for error messages.
 * Loaded only when a config file has content (see `load.ts`): zod is not free to import.
 *
 * @module
 */

import * as z from "zod/mini";
import { CONFIG_FILES, type ConfigFile } from "./types.ts";

/** What a key expects and how to fix a bad value, in the user's words. */
export interface FieldSpec {
  /** Completes "expected ...". */
  readonly expected: string;
  /** How to fix a bad value. */
  readonly hint: string;
}

const SECONDS_HINT = (example: string) => `set it to a number of seconds such as ${example}`;
const GATE_HINT = "write each gate as `- name: ...` with its other keys indented under it";
const ROLE_HINT = "write each role as `role-name:` with description and allowed_tools indented under it";
const PATTERNS: FieldSpec = {
  expected: "a list of regular expressions",
  hint: "write one quoted pattern per `- '...'` item, or [] for none; delete the key to keep the defaults",
};
const PATTERN: FieldSpec = {
  expected: "a regular expression (a string)",
  hint: "write the pattern in single quotes, such as 'git push --force'",
};

const HOME_PATH: FieldSpec = {
  expected: "an absolute path or one starting with ~/",
  hint: 'write the path whole, such as "~/.claude" or "/opt/agent/state"',
};
const REPO_PATH: FieldSpec = {
  expected: "a path inside the repository (relative, without ..)",
  hint: 'write the path from the repository\'s top, such as "package-lock.json"',
};

/**
 * Every key of both files by path pattern: `[]` stands for any list index, `*` for any role name. The order is
 * the order of the "known keys" hint.
 */
export const FIELDS: Readonly<Record<string, FieldSpec>> = {
  "orchestrator": {
    expected: "a mapping of settings",
    hint: "indent the settings under orchestrator:, one `key: value` a line",
  },
  "orchestrator.max_concurrent": { expected: "an integer >= 1", hint: "set it to a whole number such as 3" },
  "orchestrator.worktree_base": {
    expected: "a non-empty path",
    hint: 'set it to a directory such as ".ork/worktrees"',
  },
  "orchestrator.queue_dir": {
    expected: "a non-empty path",
    hint: 'set it to a directory such as ".ork/queue"',
  },
  "orchestrator.job_timeout": {
    expected: "a number of seconds > 0",
    hint: SECONDS_HINT("1800 (30 minutes)"),
  },
  "orchestrator.stale_lock_timeout": {
    expected: "a number of seconds > 0",
    hint: SECONDS_HINT("3600 (1 hour)"),
  },
  "orchestrator.max_retries": {
    expected: "an integer >= 0",
    hint: "set it to a whole number such as 2, or 0 for no retries",
  },
  "orchestrator.target_branch": {
    expected: "a branch name or null",
    hint: 'set it to a branch name such as "main", or null for the branch checked out in the main worktree',
  },
  "landing": {
    expected: "a mapping of settings",
    hint: "indent strategy: under landing:",
  },
  "environment": {
    expected: "a mapping of settings",
    hint: "indent setup:, inputs:, copy: and timeout: under environment:",
  },
  "environment.setup": {
    expected: "a non-empty command or null",
    hint: 'set it to the command that prepares a worktree, such as "npm ci", or null for none',
  },
  "environment.inputs": {
    expected: "a list of paths",
    hint: 'list the files whose content decides when setup runs again, such as ["package-lock.json"]',
  },
  "environment.inputs[]": REPO_PATH,
  "environment.copy": {
    expected: "a list of paths",
    hint: 'list the ignored files to copy from your checkout into each worktree, such as [".env"]',
  },
  "environment.copy[]": REPO_PATH,
  "environment.timeout": { expected: "a number of seconds > 0", hint: SECONDS_HINT("900 (15 minutes)") },
  "landing.strategy": {
    expected: "merge or squash",
    hint: "merge (a merge commit naming the job) or squash (one commit with the job's changes)",
  },
  "agents": {
    expected: "a mapping of agent names to presets",
    hint: "write each agent as `name:` with command:, writable: and env: indented under it",
  },
  "agents.*": {
    expected: "a preset (a mapping with command, writable, env)",
    hint: "write each agent as `name:` with command:, writable: and env: indented under it",
  },
  "agents.*.command": {
    expected: "a command line that reads $ORK_PROMPT",
    hint: 'set it to the agent\'s non-interactive command, such as claude -p "$ORK_PROMPT"',
  },
  "agents.*.writable": {
    expected: "a list of paths",
    hint: 'list where the agent keeps its login and state, such as ["~/.claude"], or [] for none',
  },
  "agents.*.writable[]": HOME_PATH,
  "agents.*.env": {
    expected: "a mapping of variable names to text",
    hint: 'write each variable as NAME: "value"',
  },
  "agents.*.env.*": { expected: "text", hint: 'quote the value, such as "1"' },
  "merge_gates": {
    expected: "a list of gates",
    hint: "write one gate per `- name: ...` item, or [] for no gates; delete the key to keep the default",
  },
  "merge_gates[]": { expected: "a gate (a mapping with name, command, ...)", hint: GATE_HINT },
  "merge_gates[].name": {
    expected: "a name made of letters, digits, _ . and -",
    hint: 'set it to a short name such as "test_suite"',
  },
  "merge_gates[].type": {
    expected: 'one of "shell", "secrets", "file_size"',
    hint: "set it to shell, secrets or file_size, or delete it for shell",
  },
  "merge_gates[].command": {
    expected: "a non-empty command",
    hint: 'set it to the shell command to run, such as "make test"',
  },
  "merge_gates[].required": {
    expected: "true or false",
    hint: "set it to true (a failure blocks landing) or false (a failure is only reported)",
  },
  "merge_gates[].timeout": { expected: "a number of seconds > 0", hint: SECONDS_HINT("300") },
  "orchestrator.sandbox": {
    expected: "auto, off or required",
    hint: "auto (bubblewrap when it works), off, or required (refuse to run jobs without it)",
  },
  "orchestrator.sandbox_writable": {
    expected: "a list of paths",
    hint: 'list the paths agents keep their state in, such as ["~/.claude", "~/.codex"], or [] for none',
  },
  "orchestrator.sandbox_writable[]": HOME_PATH,
  "merge_gates[].allow": {
    expected: "a list of file globs",
    hint: "list globs of files the secrets gate should not report, such as tests/fixtures/**",
  },
  "merge_gates[].exclude": {
    expected: "a list of file globs",
    hint: "list globs of files the file_size gate should not check, such as assets/**",
  },
  "merge_gates[].allow[]": {
    expected: "a non-empty glob (a string)",
    hint:
      "write each glob as text, such as tests/fixtures/** (quote it if it starts with * or holds a colon)",
  },
  "merge_gates[].exclude[]": {
    expected: "a non-empty glob (a string)",
    hint: "write each glob as text, such as assets/** (quote it if it starts with * or holds a colon)",
  },
  "merge_gates[].max_bytes": {
    expected: "an integer > 0",
    hint: "set it to a size in bytes such as 10485760 (10 MiB)",
  },
  "roles": { expected: "a mapping of role names to roles", hint: ROLE_HINT },
  "roles.*": { expected: "a role (a mapping with description and allowed_tools)", hint: ROLE_HINT },
  "roles.*.description": {
    expected: "a non-empty string",
    hint: "describe what the role does in one line",
  },
  "roles.*.allowed_tools": {
    expected: "a list of strings",
    hint: "list the tools the role may use, such as [bash, git], or [] for none",
  },
  "roles.*.allowed_tools[]": {
    expected: "a non-empty string (a tool name)",
    hint: "list the tools the role may use, such as [bash, git]",
  },
  "roles.*.sandbox_writable": {
    expected: "a list of paths",
    hint: 'list the paths this role\'s agents keep their state in, such as ["~/.codex"], or [] for none',
  },
  "roles.*.sandbox_writable[]": HOME_PATH,
  "roles.*.forbidden_patterns": PATTERNS,
  "roles.*.forbidden_patterns[]": PATTERN,
  "forbidden_patterns": PATTERNS,
  "forbidden_patterns[]": PATTERN,
};

/** The top-level keys each file accepts; a key of the other file is reported as misplaced. */
export const FILE_KEYS: Readonly<Record<ConfigFile, readonly string[]>> = {
  [CONFIG_FILES.orchestrator]: ["orchestrator", "landing", "environment", "agents", "merge_gates"],
  [CONFIG_FILES.roles]: ["roles", "forbidden_patterns"],
};

/** Gate and role names: safe in file names, log lines and command-line flags. */
export const NAME_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Role names: as gate names, without dots (a dotted key path must stay readable). */
export const ROLE_NAME_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** The largest timeout in seconds: JavaScript timers overflow past 2^31-1 ms and would fire at once. */
export const MAX_TIMEOUT_SECONDS = 2_147_483;

/** A hint carried by a custom issue in its `params`. */
function hinted(
  message: string,
  hint: string,
): { code: "custom"; message: string; params: { hint: string } } {
  return { code: "custom", message, params: { hint } };
}

const seconds = z.number().check(z.positive(), z.maximum(MAX_TIMEOUT_SECONDS));

/** A string that must compile as a JavaScript regular expression. */
const regex = z.string().check(z.superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (error) {
    // V8 says "Invalid regular expression: /(/: Unterminated group"; the key path already shows the pattern.
    const reason = (error instanceof Error ? error.message : String(error))
      .replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "");
    ctx.addIssue(hinted(
      `not a valid regular expression: ${reason}`,
      "fix the pattern (JavaScript RegExp syntax); escape a literal character such as ( or [ with a backslash",
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

const orchestratorSchema = z.partial(z.strictObject({
  max_concurrent: z.int().check(z.minimum(1)),
  worktree_base: z.string().check(z.minLength(1)),
  queue_dir: z.string().check(z.minLength(1)),
  job_timeout: seconds,
  stale_lock_timeout: seconds,
  max_retries: z.int().check(z.minimum(0)),
  target_branch: z.nullable(z.string().check(z.minLength(1))),
  sandbox: z.enum(["auto", "off", "required"]),
  sandbox_writable: z.array(homePath),
}));

const environmentSchema = z.partial(z.strictObject({
  setup: z.nullable(z.string().check(z.trim(), z.minLength(1))),
  inputs: z.array(repoPath),
  copy: z.array(repoPath),
  timeout: seconds,
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
    landing: z.optional(z.nullable(z.partial(z.strictObject({ strategy: z.enum(["merge", "squash"]) })))),
    environment: z.optional(z.nullable(environmentSchema)),
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
