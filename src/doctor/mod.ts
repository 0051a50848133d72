/**
 * `ork doctor`: whether ork can work here, and what to fix when not. One check per concern (git, the
 * repository, `ork init`, each config file, the target branch, the sandbox, free disk, stale locks, orphaned
 * worktrees, jobs stuck running), each `ok`, `warn`, `fail` or `skip`, as plain data.
 *
 * @module
 */

export {
  type Check,
  type CheckStatus,
  type DoctorReport,
  failed,
  guarded,
  passed,
  reportOf,
  skipped,
  warned,
} from "./check.ts";
export { runDoctor } from "./doctor.ts";
export { GIT_NEEDS, type GitVersion, gitVersionCheck, parseGitVersion } from "./git_version.ts";
export { type DfLine, diskVerdict, formatBytes, LOW_DISK_BYTES, parseDf } from "./disk.ts";
export { isolationVerdict, LEAK_FIX, sandboxVerdict } from "./sandbox.ts";
