/**
 * Processes, on the ground floor: running a command line in a process group of its own with a log, a timeout
 * and cancellation, inside `bwrap` when given a sandbox (`exec.ts`); process groups signalled, watched and
 * stopped (`group.ts`); a command's output written to its log and capped (`log_writer.ts`); and the end of a
 * log, with the line that says why a command failed (`log_tail.ts`). The runner and the gates use it; it uses
 * nothing of theirs.
 *
 * @module
 */

export { DEFAULT_KILL_GRACE_MS, execInGroup, type ExecOutcome, type ExecSpec } from "./exec.ts";
export { groupAlive, groupStartedWith, GroupStopper, killGroup, waitGroupGone } from "./group.ts";
export { LogWriter } from "./log_writer.ts";
export { errorLine, lastLine, logTail, readBytes } from "./log_tail.ts";
