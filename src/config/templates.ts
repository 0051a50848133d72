/**
 * The config files `ork init` writes: the embedded defaults as YAML, with comments that explain every key.
 * Copies live in the repository's `config/` folder for browsing; a test keeps them byte-equal to these.
 *
 * @module
 */

import {
  DEFAULT_CONFIG,
  DEFAULT_FORBIDDEN_PATTERNS,
  DEFAULT_GATE_TIMEOUT,
  DEFAULT_MAX_BYTES,
} from "./defaults.ts";
import { CONFIG_FILES } from "./types.ts";

const { orchestrator } = DEFAULT_CONFIG;

/** `config/orchestrator.yaml` as `ork init` writes it. */
const ORCHESTRATOR_TEMPLATE = `# ork: orchestrator settings and merge gates.
#
# \`ork init\` wrote this file with ork's built-in defaults; edit what you need. Every key is optional:
# - a setting under orchestrator: that you delete goes back to its default; the others stay as written;
# - merge_gates:, when present, is the whole list of gates (it replaces the default list, it does not add
#   to it); delete the key to get the default back (no gates);
# - an empty file, or a missing one, means the defaults.
# ork refuses to start on an unknown key or a bad value, naming the line.

orchestrator:
  # How many jobs run at the same time, each in its own git worktree (a whole number >= 1).
  max_concurrent: ${orchestrator.max_concurrent}
  # Where job worktrees are created; a relative path is relative to the repository root.
  worktree_base: ${orchestrator.worktree_base}
  # Where pending and running job files are kept.
  queue_dir: ${orchestrator.queue_dir}
  # Seconds a job may run before it is stopped and counted as failed (1800 = 30 minutes).
  job_timeout: ${orchestrator.job_timeout}
  # Seconds after which a lock is treated as stale and may be broken (3600 = 1 hour).
  stale_lock_timeout: ${orchestrator.stale_lock_timeout}
  # How many times a failed job is retried before it stays failed (a whole number >= 0).
  max_retries: ${orchestrator.max_retries}
  # The most output of one command or gate kept in a job's log, in bytes (104857600 = 100 MiB); past it
  # the start and the end are kept, with a line saying how much was cut.
  log_max_bytes: ${orchestrator.log_max_bytes}
  # The kinds of failure that run a job again while it has retries: command (it exited non-zero), timeout
  # (at most once), gate, conflict, setup. A secrets finding or a role refusal never does.
  retry_on: [${orchestrator.retry_on.join(", ")}]
  # The branch passing work lands on; null means the branch checked out in the main worktree.
  target_branch: null
  # Confinement of jobs and gates: auto (bubblewrap when it works on this machine), off, or required
  # (refuse to run jobs when bubblewrap is missing).
  sandbox: auto
  # Paths that stay writable inside the sandbox, ~ for your home folder: where agents keep their logins
  # and state, such as [~/.claude, ~/.claude.json, ~/.codex]. A missing one is created (a folder unless
  # its name has an extension). Everything else outside the job's worktree stays read-only.
  sandbox_writable: []

landing:
  # How a job's work lands on the target branch: merge (a merge commit naming the job) or squash (one
  # commit with the job's changes).
  strategy: merge
  # Candidates whose gates run at once (the merge train): each is built on the target plus the candidates
  # ahead of it, and lands only once those have. null: the number of workers; 1: one job at a time.
  parallel: null
  # When more jobs wait than there are free places to test them, up to this many go into one candidate
  # (tested once, landed together); one that fails is split in halves until the failing job is found.
  # 1: every job is tested on its own.
  batch: 1
  # auto: a job lands once its gates pass. manual: it then waits in awaiting_review until ork approve
  # (ork reject fails it); ork enqueue --review asks this of one job.
  approve: auto

# Each job worktree's environment: what setup makes (dependencies, builds) and the ignored files it needs.
environment:
  # The command that prepares a worktree, such as "npm ci", run in the sandbox with the network; null for
  # none. It runs once for each content of inputs:, its result is kept under .ork/env/ and copied into each
  # worktree before the job's command and before the gates. What it makes must be ignored (.gitignore).
  setup: null
  # Files (or folders) whose content decides when setup runs again, such as [package-lock.json].
  inputs: []
  # Ignored files copied from your checkout into each worktree, such as [.env, .dev.vars].
  copy: []
  # Seconds setup may run before it is stopped and counted as failed (900 = 15 minutes).
  timeout: ${DEFAULT_CONFIG.environment.timeout}

# Commands run when a job ends, in the repository's top folder, with the job in ORK_JOB_ID, ORK_JOB_STATUS,
# ORK_JOB_ROLE, ORK_JOB_DESCRIPTION, ORK_JOB_ERROR and ORK_LANDED_COMMIT, and its record as JSON on stdin.
# They never hold the runner up; one that fails or outlives timeout: is logged. null: none.
hooks:
  # Its work landed on the target branch.
  on_landed: null
  # It completed with nothing to land.
  on_completed: null
  # It failed for good (no retry left).
  on_failed: null
  # It was cancelled.
  on_cancelled: null
  # Its gates passed and it waits for ork approve (landing.approve: manual, or ork enqueue --review).
  on_awaiting_review: null
  # Seconds a hook may run before it is stopped.
  timeout: ${DEFAULT_CONFIG.hooks.timeout}
  # desktop: a desktop notification when a job lands, fails for good or awaits review (notify-send, or
  # osascript on macOS); none: no notifications.
  notify: ${DEFAULT_CONFIG.hooks.notify}

# A command that fails because its agent hit a usage limit is parked, not failed: it runs again by itself once
# the limit resets (when its output says when, else after wait:), spending no retry; ork status shows when.
rate_limit:
  # Exit codes that mean a usage limit, such as [75].
  exit_codes: []
  # What a usage limit prints, as regular expressions matched against the end of a failed command's output
  # (case-insensitive); a group (?<reset>...) may capture when it resets: epoch seconds, "2h 5m", "3pm".
  # Built in: the messages of Claude Code, Codex, Gemini and aider. A list here replaces them.
  # patterns: ['usage limit reached']
  # Seconds to wait when the output gives no reset time.
  wait: ${DEFAULT_CONFIG.rate_limit.wait}
  # How often one job may wait for a limit before the limit counts as its failure.
  max_waits: ${DEFAULT_CONFIG.rate_limit.max_waits}

# Coding agents for \`ork enqueue --agent <name> --prompt "..."\`. Built in, without listing them here:
# ${
  Object.keys(DEFAULT_CONFIG.agents).join(", ")
}. A preset listed here replaces the built-in of its name. Each has:
#   command:  the agent's non-interactive command line; it reads the prompt from "$ORK_PROMPT"
#   writable: where it keeps its login and state, writable in the sandbox (as sandbox_writable)
#   env:      variables for its jobs
#
# agents:
#   claude:
#     command: ${DEFAULT_CONFIG.agents.claude?.command}
#     writable: [${DEFAULT_CONFIG.agents.claude?.writable.join(", ")}]
#     env: { DISABLE_AUTOUPDATER: "1" }

# Merge gates: checks a job's work must pass before it lands, run in this order. Each gate has:
#   name:      a unique name for logs and reports (letters, digits, _ . -)
#   type:      shell (the default) runs command: in the job's worktree and passes when it exits 0;
#              secrets refuses changes that look like they add credentials;
#              file_size refuses changed files larger than max_bytes:
#   command:   the shell command (shell gates only, and required for them)
#   required:  true (the default): a failure blocks landing; false: a failure is only reported
#   timeout:   seconds before the gate is stopped and counted as failed (default ${DEFAULT_GATE_TIMEOUT})
#   max_bytes: the largest allowed file in bytes (file_size gates only; default ${DEFAULT_MAX_BYTES} = 10 MiB)
#   allow:     globs of files a secrets gate does not report (secrets gates only)
#   exclude:   globs of files a file_size gate does not check (file_size gates only)
#   retries:   times a failed run is tried again on the same tree before it counts (flaky tests; default 0)
#   parallel:  false when two runs cannot share the machine (a shared database): one at a time (default true)
#
# There are no gates by default, as the right checks depend on the project. To add some, replace the
# \`merge_gates: []\` line below with a list such as this one (commands for a Python project):
#
# merge_gates:
#   - name: style_check
#     command: ruff check .
#     timeout: 60
#   - name: test_suite
#     command: pytest tests/ -q
#     timeout: 600
#   - name: integration_tests
#     command: ./scripts/integration.sh
#     required: false # reported, but does not block landing
#     timeout: 1200
#   - name: no_secrets
#     type: secrets
#   - name: no_large_files
#     type: file_size
#     max_bytes: 5242880
merge_gates: []
`;

/** A string as a single-quoted YAML scalar: no escapes but `''`, so a regular expression reads as written. */
function singleQuoted(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** `config/agent_roles.yaml` as `ork init` writes it. */
const ROLES_TEMPLATE = `# ork: agent roles and the commands no agent may run.
#
# \`ork init\` wrote this file with ork's built-in defaults; edit what you need. Both keys are optional,
# and each one, when present, is the whole statement: it replaces the default wholesale. A role deleted
# here no longer exists, and a pattern deleted here is no longer enforced. Delete a key to get its
# default back; an empty file, or a missing one, means the defaults.
# ork refuses to start on an unknown key or a bad value, naming the line.

# Roles by name (letters, digits, - and _). Each role has:
#   description:        what agents in this role do, in one line
#   allowed_tools:      the tools an agent in this role may use
#   forbidden_patterns: regular expressions refused for this role only, on top of the global ones
#                       below (optional; default none), such as: forbidden_patterns: ['\\bgit\\s+push\\b']
#   sandbox_writable:   paths this role's jobs may also write in the sandbox, on top of the orchestrator's
#                       sandbox_writable (optional; default none), such as: sandbox_writable: [~/.codex]
roles:
${
  Object.entries(DEFAULT_CONFIG.roles).map(([name, role]) =>
    `  ${name}:
    description: ${role.description}
    allowed_tools: [${role.allowed_tools.join(", ")}]
`
  ).join("")
}
# Commands refused for every role: JavaScript regular expressions, each matched anywhere in a command
# (anchor with ^ or \\b where needed). Write them in single quotes so that a backslash stays a backslash.
# They are a safety net against accidents, not a sandbox.
forbidden_patterns:
${
  DEFAULT_FORBIDDEN_PATTERNS.map(({ pattern, refuses }) => `  # ${refuses}\n  - ${singleQuoted(pattern)}\n`)
    .join("")
}`;

/**
 * The files `ork init` writes, by path relative to the repository root: the defaults as commented YAML. Loading
 * them gives {@link DEFAULT_CONFIG}.
 *
 * @returns a fresh map from relative path to file text, `config/orchestrator.yaml` first
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(Object.keys(configTemplates()), ["config/orchestrator.yaml", "config/agent_roles.yaml"]);
 * ```
 */
export function configTemplates(): Record<string, string> {
  return { [CONFIG_FILES.orchestrator]: ORCHESTRATOR_TEMPLATE, [CONFIG_FILES.roles]: ROLES_TEMPLATE };
}
