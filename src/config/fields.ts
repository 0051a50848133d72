/**
 * What each key of the two config files expects, in words, and how to fix a bad value: the text of ork's config
 * errors (see `parse.ts`), apart from the schemas that check the values (`schema.ts`).
 *
 * @module
 */

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
    expected: "a folder below .ork/",
    hint: 'set it to a directory such as ".ork/worktrees"',
  },
  "orchestrator.queue_dir": {
    expected: "a folder below .ork/",
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
  "orchestrator.log_max_bytes": {
    expected: "an integer >= 4096",
    hint: "set it to a number of bytes such as 104857600 (100 MiB)",
  },
  "orchestrator.retry_on": {
    expected: "a list of command, timeout, gate, conflict, setup",
    hint: "list the kinds of failure that run a job again, such as [command, gate, conflict], or [] for none",
  },
  "orchestrator.retry_on[]": {
    expected: "one of command, timeout, gate, conflict, setup",
    hint: "write command, timeout, gate, conflict or setup",
  },
  "orchestrator.target_branch": {
    expected: "a branch name or null",
    hint: 'set it to a branch name such as "main", or null for the branch checked out in the main worktree',
  },
  "landing": {
    expected: "a mapping of settings",
    hint: "indent strategy:, parallel:, batch: and approve: under landing:",
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
  "hooks": {
    expected: "a mapping of settings",
    hint:
      "indent on_landed:, on_completed:, on_failed:, on_cancelled:, on_awaiting_review:, timeout: and notify: under hooks:",
  },
  "hooks.on_landed": {
    expected: "a command line (or null)",
    hint: 'set it to a shell command run when a job lands, such as notify-send ork "$ORK_JOB_DESCRIPTION"',
  },
  "hooks.on_completed": {
    expected: "a command line (or null)",
    hint:
      'set it to a shell command run when a job completes with nothing to land, such as notify-send ork "$ORK_JOB_DESCRIPTION"',
  },
  "hooks.on_failed": {
    expected: "a command line (or null)",
    hint:
      'set it to a shell command run when a job fails for good, such as notify-send ork "$ORK_JOB_DESCRIPTION"',
  },
  "hooks.on_cancelled": {
    expected: "a command line (or null)",
    hint:
      'set it to a shell command run when a job is cancelled, such as notify-send ork "$ORK_JOB_DESCRIPTION"',
  },
  "hooks.on_awaiting_review": {
    expected: "a command line (or null)",
    hint:
      'set it to a shell command run when a job waits for review, such as notify-send ork "$ORK_JOB_DESCRIPTION"',
  },
  "hooks.timeout": { expected: "a number of seconds > 0", hint: SECONDS_HINT("30") },
  "hooks.notify": {
    expected: "none or desktop",
    hint: "desktop (notify-send, or osascript on macOS, when a job lands, fails or awaits review) or none",
  },
  "rate_limit": {
    expected: "a mapping of settings",
    hint: "indent exit_codes:, patterns:, wait: and max_waits: under rate_limit:",
  },
  "rate_limit.exit_codes": {
    expected: "a list of exit codes",
    hint: "list the exit codes that mean a usage limit, such as [75], or [] for none",
  },
  "rate_limit.exit_codes[]": { expected: "an integer >= 1", hint: "an exit code, such as 75" },
  "rate_limit.patterns": {
    expected: "a list of regular expressions",
    hint:
      'list what a usage limit prints, such as ["usage limit reached"]; a group (?<reset>...) may say when',
  },
  "rate_limit.patterns[]": {
    expected: "a regular expression (JavaScript syntax)",
    hint: "fix the pattern, or quote it in single quotes so YAML keeps its backslashes",
  },
  "rate_limit.wait": { expected: "a number of seconds > 0", hint: SECONDS_HINT("900 (15 minutes)") },
  "rate_limit.max_waits": {
    expected: "an integer >= 1",
    hint: "set it to how often one job may wait for a limit before it fails, such as 24",
  },
  "landing.strategy": {
    expected: "merge or squash",
    hint: "merge (a merge commit naming the job) or squash (one commit with the job's changes)",
  },
  "landing.parallel": {
    expected: "an integer >= 1 (or null)",
    hint:
      "set it to how many candidates may run their gates at once, such as 4, or null for the number of workers",
  },
  "landing.batch": {
    expected: "an integer >= 1",
    hint:
      "set it to how many waiting jobs one candidate may hold when the train is long, such as 4, or 1 for none",
  },
  "landing.approve": {
    expected: "auto or manual",
    hint: "auto (jobs land once their gates pass) or manual (they wait for ork approve)",
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
  "merge_gates[].retries": {
    expected: "an integer >= 0",
    hint: "set it to how many times a failed run is tried again on the same tree, such as 1, or 0",
  },
  "merge_gates[].parallel": {
    expected: "true or false",
    hint: "set it to false when two runs of the gate cannot share the machine (a shared database), else true",
  },
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
