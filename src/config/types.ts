/**
 * The shapes of ork's configuration, as the rest of ork sees it after loading: every key filled in.
 *
 * @module
 */

/** The `orchestrator:` section of `config/orchestrator.yaml`. */
export interface OrchestratorSettings {
  /** How many jobs run at once; an integer >= 1 (default 3). */
  max_concurrent: number;
  /** Where job worktrees go, relative to the repository root unless absolute (default `.ork/worktrees`). */
  worktree_base: string;
  /** Where pending and running jobs are kept (default `.ork/queue`). */
  queue_dir: string;
  /** Seconds a job may run before it is stopped; > 0 (default 1800). */
  job_timeout: number;
  /** Seconds after which a lock is treated as stale; > 0 (default 3600). */
  stale_lock_timeout: number;
  /** Retries of a failed job; an integer >= 0 (default 2). */
  max_retries: number;
  /**
   * The most output of one command or gate kept in a job's log, in bytes (default 100 MiB): past it the head
   * and the end are kept, with a line saying how much was cut.
   */
  log_max_bytes: number;
  /**
   * The kinds of failure that run a job again while it has retries (default command, timeout, gate,
   * conflict); a timeout at most once. A secrets finding, a role refusal or a change to ork's config never do.
   */
  retry_on: RetryKind[];
  /** The branch work lands on; `null` (the default) means the branch checked out in the main worktree. */
  target_branch: string | null;
  /** Confinement of jobs and gates: `auto` (bubblewrap when it works), `off`, or `required` (refuse without it). */
  sandbox: "auto" | "off" | "required";
  /**
   * Paths that stay writable inside the sandbox, `~` standing for the home folder (agents' state and logins:
   * `~/.claude`, `~/.codex`); a missing one is created, a folder unless its name has an extension. Default none.
   */
  sandbox_writable: string[];
}

/** How each job worktree gets its environment (`environment:` in `config/orchestrator.yaml`). */
export interface EnvironmentSettings {
  /** The command that prepares a worktree (dependencies, builds), or null for none (the default). */
  setup: string | null;
  /** Files (or folders), relative to the repository's top, whose content decides when setup must run again. */
  inputs: string[];
  /** Ignored files copied from the user's checkout into each worktree (`.env`), relative to its top. */
  copy: string[];
  /** Seconds setup may run before it is stopped and counted as failed; > 0 (default 900). */
  timeout: number;
}

/** A kind of failure `orchestrator.retry_on` can name. */
export type RetryKind = "command" | "timeout" | "gate" | "conflict" | "setup";

/** How a job's work lands on the target branch (`landing:` in `config/orchestrator.yaml`). */
export interface LandingSettings {
  /** `merge` (default): a merge commit naming the job (`--no-ff`); `squash`: one commit with the job's changes. */
  strategy: "merge" | "squash";
  /**
   * Candidates whose gates run at once in the merge train (each built on the target plus the candidates ahead of
   * it); null (default) for the number of workers, 1 to test one job at a time.
   */
  parallel: number | null;
  /**
   * The most waiting jobs one candidate may hold when more wait than there are free places to test them (1,
   * the default: each job is its own candidate); a candidate of several that fails is split in halves.
   */
  batch: number;
  /**
   * `auto` (default): a job lands once its gates pass; `manual`: it then waits in `awaiting_review` for
   * `ork approve` (`ork enqueue --review` asks the same of one job).
   */
  approve: "auto" | "manual";
}

/** The kinds of merge gate ork can run. */
export type GateType = "shell" | "secrets" | "file_size";

/** One entry of `merge_gates:`: a check a job's work must pass before it lands. */
export interface GateConfig {
  /** Unique among the gates; letters, digits, `_`, `.` and `-`. */
  name: string;
  /** What the gate checks (default `shell`). */
  type: GateType;
  /** The shell command; present exactly when `type` is `shell`. */
  command?: string;
  /** Whether a failure blocks landing (default true); an optional gate only reports. */
  required: boolean;
  /** Seconds before the gate is stopped and counted as failed; > 0 (default 300). */
  timeout: number;
  /** Times a failed run is tried again on the same tree before the gate counts as failed (default 0). */
  retries?: number;
  /** false: the gate never runs for two candidates at once (a shared database, say); default true. */
  parallel?: boolean;
  /** Largest allowed file in bytes; present exactly when `type` is `file_size` (default 10 MiB). */
  max_bytes?: number;
  /** Globs of files a `secrets` gate does not report (e.g. test fixtures); only on `secrets` gates. */
  allow?: string[];
  /** Globs of files a `file_size` gate does not check; only on `file_size` gates. */
  exclude?: string[];
}

/** One entry of `agents:`: how `ork enqueue --agent <name> --prompt ...` runs a coding agent. */
export interface AgentPreset {
  /** The command line; it reads the prompt from `$ORK_PROMPT`, which ork sets. */
  command: string;
  /** Paths that stay writable in the sandbox for its jobs (its login and state), as `sandbox_writable`. */
  writable: string[];
  /** Variables set for its jobs. */
  env: Record<string, string>;
}

/** One entry of `roles:` in `config/agent_roles.yaml`. */
export interface RoleConfig {
  /** What agents in this role do, in one line. */
  description: string;
  /** The tools an agent in this role may use. */
  allowed_tools: string[];
  /** Regular expressions (JavaScript syntax) refused for this role, on top of the global ones (default none). */
  forbidden_patterns: string[];
  /** Paths that stay writable in the sandbox for this role's jobs, on top of the orchestrator's (default none). */
  sandbox_writable: string[];
}

/** The job events a hook can run on (`hooks:` in `config/orchestrator.yaml`). */
export const HOOK_EVENTS = [
  "on_landed",
  "on_completed",
  "on_failed",
  "on_cancelled",
  "on_awaiting_review",
] as const;

/** One of {@link HOOK_EVENTS}. */
export type HookEvent = typeof HOOK_EVENTS[number];

/**
 * Commands run when a job ends (`hooks:`), with the job in `ORK_*` variables and as JSON on stdin: `on_landed`
 * (its work landed), `on_completed` (it completed with nothing to land), `on_failed` (for good, no retry
 * left), `on_cancelled`, `on_awaiting_review` (its gates passed; it waits for `ork approve`). Never blocking the runner; a failure is logged.
 */
export type HookSettings = { [K in HookEvent]: string | null } & {
  /** Seconds a hook may run before it is stopped. */
  timeout: number;
  /**
   * `desktop`: a desktop notification when a job lands, fails for good or awaits review (`notify-send`, or
   * `osascript` on macOS); `none` (default): none.
   */
  notify: "none" | "desktop";
};

/**
 * When a failed command means its agent hit a usage limit (`rate_limit:`): the job is parked, not failed, and
 * runs again by itself once the limit resets, spending no retry.
 */
export interface RateLimitSettings {
  /** Exit codes that mean a usage limit (default none). */
  exit_codes: number[];
  /**
   * Regular expressions (JavaScript syntax, case-insensitive) matched against the end of a failed command's
   * output; a group named `reset` may capture when the limit resets (epoch seconds, `2h 5m`, `3pm`).
   */
  patterns: string[];
  /** Seconds to wait when the output gives no reset time. */
  wait: number;
  /** How often one job may be parked before a limit counts as its failure. */
  max_waits: number;
}

/** ork's whole configuration: the embedded defaults overridden by the repository's config files. */
export interface OrkConfig {
  /** Scheduler and path settings. */
  orchestrator: OrchestratorSettings;
  /** How work lands. */
  landing: LandingSettings;
  /** How each worktree gets its dependencies and ignored files. */
  environment: EnvironmentSettings;
  /** Commands run when a job ends. */
  hooks: HookSettings;
  /** Which failures mean a usage limit: the job waits and runs again by itself. */
  rate_limit: RateLimitSettings;
  /** Coding agents by name, for `ork enqueue --agent`: the built-in presets and the config's. */
  agents: Record<string, AgentPreset>;
  /** Gates run, in order, before a job's work lands. */
  merge_gates: GateConfig[];
  /** Agent roles by name. */
  roles: Record<string, RoleConfig>;
  /** Regular expressions (JavaScript syntax) refused for every role. */
  forbidden_patterns: string[];
}

/** What one config file says: only the keys it sets. {@link mergeConfig} lays these over the defaults. */
export interface ConfigLayer {
  /** Settings that override their defaults one by one. */
  orchestrator?: Partial<OrchestratorSettings>;
  /** Settings that override their defaults one by one. */
  landing?: Partial<LandingSettings>;
  /** Settings that override their defaults one by one. */
  environment?: Partial<EnvironmentSettings>;
  /** Settings that override their defaults one by one. */
  hooks?: Partial<HookSettings>;
  /** Settings that override their defaults one by one. */
  rate_limit?: Partial<RateLimitSettings>;
  /** Presets by name: each replaces the built-in of the same name, the others stay. */
  agents?: Record<string, AgentPreset>;
  /** Replaces the default gates wholesale. */
  merge_gates?: GateConfig[];
  /** Replaces the default roles wholesale. */
  roles?: Record<string, RoleConfig>;
  /** Replaces the default global patterns wholesale. */
  forbidden_patterns?: string[];
}

/** The config files, relative to the repository root. */
export const CONFIG_FILES = {
  orchestrator: "config/orchestrator.yaml",
  roles: "config/agent_roles.yaml",
} as const;

/** One of the config files' relative paths. */
export type ConfigFile = (typeof CONFIG_FILES)[keyof typeof CONFIG_FILES];
