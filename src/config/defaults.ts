/**
 * ork's built-in configuration. It lives in code, not in files, because ork ships as one compiled binary that
 * must work in a repository that has no config files at all.
 *
 * @module
 */

import type { AgentPreset, GateConfig, OrchestratorSettings, OrkConfig, RoleConfig } from "./types.ts";

/** A global forbidden pattern with what it guards against, which the `ork init` template prints above it. */
export interface ForbiddenPattern {
  /** A JavaScript regular expression, matched anywhere in a command. */
  readonly pattern: string;
  /** The commands it refuses, as a reader would recognise them. */
  readonly refuses: string;
}

/** The end of a command word: end of text, whitespace, or a shell operator. */
const END = String.raw`(?=$|[\s;&|)])`;
/**
 * `git`, a few global options (`-C dir`), then the subcommand, without crossing into another command. Every
 * repetition in these patterns is bounded, so that a pattern costs time in proportion to the command's length
 * (an unbounded `(?:\S+\s+)*?` before a lookahead that scans to the end takes cubic time on a long line).
 */
const GIT = String.raw`\bgit\s+(?:[^\s;&|]+\s+){0,16}?`;
/** What follows a subcommand, up to the end of its command: bounded, see {@link GIT}. */
const REST = String.raw`[^;&|]{0,400}`;

/**
 * The global forbidden patterns: commands no agent may run whatever its role. They are a safety net against
 * accidents, not a sandbox: each refuses the usual spellings and lets harmless look-alikes (`rm -rf build/`,
 * `git push origin feature`) through.
 */
export const DEFAULT_FORBIDDEN_PATTERNS: readonly ForbiddenPattern[] = [
  {
    refuses: "rm -rf /, rm -fr /, rm -rf /* (the whole file system)",
    pattern: String.raw`\brm\s+(?:-\S*\s+)*/\*?${END}`,
  },
  {
    refuses: "rm -rf ~, rm -rf $HOME (the home directory)",
    pattern: String.raw`\brm\s+(?:-\S*\s+)*(?:~|\$HOME|\$\{HOME\})/?\*?${END}`,
  },
  {
    refuses: "dd if=/dev/zero (overwriting with zeros)",
    pattern: String.raw`\bdd\s+(?:\S+\s+){0,16}?if=/dev/zero\b`,
  },
  {
    refuses: "dd ... of=/dev/sda (writing over a disk)",
    pattern: String.raw`\bdd\s+(?:\S+\s+){0,16}?of=/dev/(?:sd|hd|vd|xvd|nvme|mmcblk|disk)`,
  },
  { refuses: "mkfs, mkfs.ext4 (formatting a disk)", pattern: String.raw`\bmkfs(?:\.\w+)?${END}` },
  {
    refuses: "git push --force origin main, git push -f origin master (force pushes to main or master)",
    pattern: GIT +
      String
        .raw`push(?=${REST}\s(?:--force(?:-with-lease|-if-includes)?(?:=\S*)?|-[a-zA-Z]*f[a-zA-Z]*)${END})` +
      String.raw`(?=${REST}\s(?:[^\s:;&|]*:)?(?:refs/heads/)?(?:main|master)${END})`,
  },
  {
    refuses: "git push origin +main (a force push by refspec)",
    pattern: GIT +
      String.raw`push(?:\s+[^\s;&|]+){0,16}?\s+\+(?:[^\s:;&|]*:)?(?:refs/heads/)?(?:main|master)${END}`,
  },
  {
    refuses: "git update-ref refs/heads/main (moving main or master directly)",
    pattern: GIT + String.raw`update-ref\s+(?:-\S+\s+)*refs/heads/(?:main|master)${END}`,
  },
  {
    refuses: "git branch -f main (resetting main or master)",
    pattern: GIT +
      String
        .raw`branch\s+(?:-\S+\s+){0,16}(?:--force|-[a-zA-Z]*f[a-zA-Z]*)\s+(?:-\S+\s+){0,16}(?:main|master)${END}`,
  },
  {
    refuses: ":(){ :|:& };: (a fork bomb)",
    pattern: String.raw`(?<![\w:])([A-Za-z_:][\w:]{0,63})\s*\(\s*\)\s*\{\s*\1\s*\|\s*\1\s*&`,
  },
];

/** The default `orchestrator:` settings. */
const ORCHESTRATOR: OrchestratorSettings = {
  max_concurrent: 3,
  worktree_base: ".ork/worktrees",
  queue_dir: ".ork/queue",
  job_timeout: 1800,
  stale_lock_timeout: 3600,
  max_retries: 2,
  log_max_bytes: 100 * 1024 * 1024,
  retry_on: ["command", "timeout", "gate", "conflict"],
  target_branch: null,
  sandbox: "auto",
  sandbox_writable: [],
};

/** Default seconds `environment.setup` may run. */
export const DEFAULT_SETUP_TIMEOUT = 900;

/** The coding agents' programs, which every role may run (`ork enqueue --agent`). */
const AGENT_PROGRAMS = ["claude", "codex", "gemini", "qwen", "aider"];
/** What a JavaScript project runs its scripts and tests with. */
const NODE_TOOLS = ["node", "npm", "npx"];

/** The spec's six roles, with the agents' programs and, where they build or test, Node's tools. */
const ROLES: Record<string, RoleConfig> = {
  "bug-catcher": {
    description: "Reproduce, diagnose, and fix bugs",
    allowed_tools: ["pytest", "python", "bash", "ruff", "grep", ...NODE_TOOLS, ...AGENT_PROGRAMS],
    forbidden_patterns: [],
    sandbox_writable: [],
  },
  "style-warden": {
    description: "Enforce code style consistency",
    allowed_tools: ["ruff", "black", "isort", "bash", "npx", "prettier", "eslint", ...AGENT_PROGRAMS],
    forbidden_patterns: [],
    sandbox_writable: [],
  },
  "patch-surgeon": {
    description: "Polish and prepare code for merge",
    allowed_tools: ["git", "pytest", "ruff", "bash", ...NODE_TOOLS, ...AGENT_PROGRAMS],
    forbidden_patterns: [],
    sandbox_writable: [],
  },
  "test-weaver": {
    description: "Create and repair tests (TDD)",
    allowed_tools: ["pytest", "python", "bash", ...NODE_TOOLS, ...AGENT_PROGRAMS],
    forbidden_patterns: [],
    sandbox_writable: [],
  },
  "code-implementer": {
    description: "Implement code from specifications",
    allowed_tools: ["python", "pytest", "ruff", "bash", ...NODE_TOOLS, "pnpm", "yarn", ...AGENT_PROGRAMS],
    forbidden_patterns: [],
    sandbox_writable: [],
  },
  "code-planner": {
    description: "Transform tasks into structured plans",
    allowed_tools: ["bash", "grep", "find", "git", ...AGENT_PROGRAMS],
    forbidden_patterns: [],
    sandbox_writable: [],
  },
};

/**
 * The built-in agent presets: each agent's non-interactive mode, reading the prompt from `$ORK_PROMPT`, with its
 * own sandbox and approvals off (ork's sandbox confines it; an agent's own does not nest inside it), and the
 * folders where it keeps its login and state writable. Tested here: Claude Code 2.1.328, Codex 0.169.0, Qwen
 * Code 0.24.4 and Gemini CLI 0.61.0.
 */
const AGENTS: Record<string, AgentPreset> = {
  claude: {
    command: 'claude -p "$ORK_PROMPT" --permission-mode acceptEdits --allowedTools Bash',
    writable: ["~/.claude", "~/.claude.json"],
    env: { DISABLE_AUTOUPDATER: "1" },
  },
  codex: {
    command: 'codex exec --dangerously-bypass-approvals-and-sandbox "$ORK_PROMPT"',
    writable: ["~/.codex"],
    env: {},
  },
  gemini: {
    command: 'gemini --yolo -p "$ORK_PROMPT"',
    writable: ["~/.gemini"],
    // Each job's worktree is a folder it has never seen: untrusted, --yolo would fall back to asking.
    env: { GEMINI_CLI_TRUST_WORKSPACE: "true" },
  },
  qwen: {
    command: 'qwen --yolo -p "$ORK_PROMPT"',
    writable: ["~/.qwen"],
    // It warns at every start that --yolo runs unconfined: here ork's sandbox confines it.
    env: { QWEN_CODE_SUPPRESS_YOLO_WARNING: "1" },
  },
  aider: {
    // Its history files go to the sandbox's private /tmp rather than into the worktree, where ork would commit them.
    command: "aider --yes-always --no-auto-commits --no-gitignore --no-check-update " +
      '--chat-history-file /tmp/aider.chat.md --input-history-file /tmp/aider.input --message "$ORK_PROMPT"',
    writable: ["~/.aider"],
    env: {},
  },
};

/** Default timeout of a merge gate, in seconds. */
export const DEFAULT_GATE_TIMEOUT = 300;
/** Default `max_bytes` of a `file_size` gate: 10 MiB. */
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

/** No gates by default: the spec's ruff/pytest gates only suit Python projects, so the template shows them. */
const MERGE_GATES: GateConfig[] = [];

/** Freezes `value` and everything reachable from it, so the shared defaults cannot be changed by accident. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** When a limit resets, as the agents print it: `3pm`, `5:10pm`, and the zone Claude Code adds, `(Europe/Paris)`. */
const RESET_CLOCK = String.raw`(?<reset>\d{1,2}(?::\d\d)?\s?(?:am|pm)?(?: \([\w/+-]+\))?)`;

/**
 * What the coding agents print when a usage limit stops them (only a command that failed is looked at), in
 * their own words, so that a test suite's failure naming a rate limit is not taken for one: Claude Code's
 * "You've hit your limit · resets 1pm (Europe/Lisbon)", "Session limit reached ∙ resets 3pm" and "Claude AI
 * usage limit reached|<epoch>", Codex's "You've hit your usage limit ... try again in 2 hours 5 minutes",
 * Gemini CLI's API errors and aider's (litellm's) rate limit error.
 */
const RATE_LIMIT_PATTERNS = [
  String.raw`usage limit reached\|(?<reset>\d{10})`,
  String.raw`hit your (?:session |usage |weekly )?limit\W.*?\bresets (?:at )?` + RESET_CLOCK,
  String.raw`\blimit reached\W.*?\bresets (?:at )?` + RESET_CLOCK,
  String.raw`hit your usage limit.*?\btry again in (?<reset>[\w ,]+?)\.`,
  String.raw`Claude AI usage limit reached|You've hit your (?:session |usage |weekly )?limit`,
  String.raw`API Error.*(?:RESOURCE_EXHAUSTED|Quota exceeded for quota metric)`,
  String.raw`litellm\.RateLimitError`,
];

/**
 * ork's configuration when a repository has no config files. Deep-frozen: {@link mergeConfig} copies it, and
 * code that wants to change a setting must copy it too.
 */
export const DEFAULT_CONFIG: OrkConfig = deepFreeze({
  orchestrator: ORCHESTRATOR,
  landing: { strategy: "merge", parallel: null, batch: 1, approve: "auto" },
  environment: { setup: null, inputs: [], copy: [], timeout: DEFAULT_SETUP_TIMEOUT },
  hooks: {
    on_landed: null,
    on_completed: null,
    on_failed: null,
    on_cancelled: null,
    on_awaiting_review: null,
    timeout: 30,
    notify: "none",
  },
  rate_limit: { exit_codes: [], patterns: RATE_LIMIT_PATTERNS, wait: 900, max_waits: 24 },
  agents: AGENTS,
  merge_gates: MERGE_GATES,
  roles: ROLES,
  forbidden_patterns: DEFAULT_FORBIDDEN_PATTERNS.map((entry) => entry.pattern),
});
deepFreeze(DEFAULT_FORBIDDEN_PATTERNS);
