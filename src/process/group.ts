/**
 * Process groups: signalling one, telling whether it is alive and whose it is (Linux `/proc`, else `ps`), and
 * stopping one for good (SIGTERM, then SIGKILL after a grace). `exec.ts` runs commands in such groups;
 * recovery stops the groups dead runners left.
 *
 * @module
 */

import { delay } from "../time/mod.ts";
import { existsSync } from "../fs/paths.ts";

/** How often the group is checked while it is being stopped. */
const POLL_MS = 20;
/** How long to wait after SIGKILL before giving up on the group (only an uninterruptible process survives). */
const AFTER_KILL_MS = 1000;

/**
 * Sends `signal` to every process of group `pgid`.
 *
 * @returns false when the group has no process left (ESRCH)
 * @throws RangeError for a pgid <= 1, since `kill(0)` and `kill(-1)` would signal ork's own group or every
 *   process it may signal; other errors of `kill` (e.g. EPERM)
 */
export function killGroup(pgid: number, signal: Deno.Signal): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) throw new RangeError(`not a process group id: ${pgid}`);
  try {
    Deno.kill(-pgid, signal);
    return true;
  } catch (error) {
    // Deno maps ESRCH to NotFound.
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

let procMounted: boolean | undefined;

/**
 * Sends `signal` to every live process of group `pgid` except its leader (the process whose pid is `pgid`),
 * one by one. A process that forks between the listing and the signals is missed; the SIGKILL to the whole
 * group after the grace still reaches it.
 *
 * @returns how many processes were signalled
 */
function killFollowers(pgid: number, signal: Deno.Signal): number {
  let signalled = 0;
  for (const pid of groupMembers(pgid)) {
    if (pid === pgid) continue;
    try {
      Deno.kill(pid, signal);
      signalled++;
    } catch (error) {
      // It ended after the listing.
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return signalled;
}

/**
 * Whether any live process is left in group `pgid`. Deno has no `kill(-pgid, 0)`, and probing with a real
 * signal has side effects, so Linux reads the group of each process from `/proc/<pid>/stat`; elsewhere
 * `ps` answers.
 *
 * Zombies do not count: they have exited and closed their files, and only wait for their parent to collect
 * their status. Orphans are collected by PID 1, which in some containers does that only about once a second.
 */
export function groupAlive(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 0) return false;
  procMounted ??= procReadable();
  if (!procMounted) return psAlive(pgid);
  return groupMembers(pgid, true).length > 0;
}

/**
 * Whether group `pgid` is a given job's: true when one of its live processes was started with `NAME=value` in
 * its environment (as every process of a job is, with `ORK_JOB_ID`), false when it has live processes and none
 * was or they are another user's (whose environment ork may not read), null when that cannot be told (no
 * `/proc`, no live process).
 *
 * Why: a job's recorded pid outlives a runner killed with SIGKILL, and by the time another ork recovers the job
 * the kernel may have given that number to an unrelated process group, which must not be killed.
 */
export function groupStartedWith(pgid: number, name: string, value: string): boolean | null {
  if (!Number.isInteger(pgid) || pgid <= 1) return null;
  procMounted ??= procReadable();
  if (!procMounted) return null;
  const wanted = `${name}=${value}`;
  const members = groupMembers(pgid);
  if (members.length === 0) return null;
  for (const pid of members) {
    let environ: string;
    try {
      environ = Deno.readTextFileSync(`/proc/${pid}/environ`);
    } catch (error) {
      // Another user's process: certainly not a job of this ork's, which runs its jobs as itself.
      if (error instanceof Deno.errors.PermissionDenied) return false;
      // Gone meanwhile: the others tell.
      continue;
    }
    if (environ.split("\0").includes(wanted)) return true;
  }
  return groupMembers(pgid, true).length > 0 ? false : null;
}

/** The live (not zombie) processes of group `pgid`, from `/proc`; with `first`, at most one. */
function groupMembers(pgid: number, first = false): number[] {
  const members: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    const c = entry.name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    let stat: string;
    try {
      stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
    } catch {
      // The process ended between the listing and the read.
      continue;
    }
    // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses, so split after the last `)`.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const state = fields[0];
    if (Number(fields[2]) === pgid && state !== "Z" && state !== "X") {
      members.push(Number(entry.name));
      if (first) break;
    }
  }
  return members;
}

function psAlive(pgid: number): boolean {
  // Where /proc cannot be read (macOS, a narrowly permitted ork): `ps`, leaving zombies out, since a sandbox's
  // init can stay a zombie for seconds until PID 1 reaps it, and counting it would stop every job's group.
  const { stdout } = new Deno.Command("ps", {
    args: ["-A", "-o", "pgid=", "-o", "stat="],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).outputSync();
  return new TextDecoder().decode(stdout).split("\n").some((line) => {
    const [group, state = ""] = line.trim().split(/\s+/);
    return Number(group) === pgid && !state.startsWith("Z");
  });
}

/** Waits until group `pgid` has no live process, for at most `ms`; resolves whether it emptied. */
export async function waitGroupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  // A sandbox's init dies a millisecond or two after bwrap: look again soon, then back off to POLL_MS, so that
  // every sandboxed command and gate does not pay a whole poll interval for it.
  let wait = 1;
  while (groupAlive(pgid)) {
    if (performance.now() >= deadline) return false;
    await delay(wait);
    wait = Math.min(wait * 2, POLL_MS);
  }
  return true;
}

/**
 * Stops a process group once: SIGTERM (+ SIGCONT), then SIGKILL after the grace, then waits for it to empty.
 * With `spareLeader` (a sandbox, whose leader is bwrap) SIGTERM skips the leader; see the module's notes.
 */
export class GroupStopper {
  #pgid: number;
  #graceMs: number;
  #spareLeader: boolean;
  #note: (text: string) => void;
  #run: Promise<boolean> | null = null;

  constructor(pgid: number, graceMs: number, spareLeader: boolean, note: (text: string) => void) {
    this.#pgid = pgid;
    this.#graceMs = graceMs;
    this.#spareLeader = spareLeader;
    this.#note = note;
  }

  /** Whether {@link stop} has been called. */
  get started(): boolean {
    return this.#run !== null;
  }

  /** Stops the group (once; later calls share the first); resolves true when no live process is left. */
  stop(): Promise<boolean> {
    return this.#run ??= this.#stop();
  }

  async #stop(): Promise<boolean> {
    const pgid = this.#pgid;
    if (!groupAlive(pgid)) return true;
    if (this.#spareLeader && procMounted) killFollowers(pgid, "SIGTERM");
    else if (!killGroup(pgid, "SIGTERM")) return true;
    // A stopped process would keep SIGTERM pending until it is continued; SIGKILL would still get it, but
    // only after the whole grace.
    killGroup(pgid, "SIGCONT");
    if (await waitGroupGone(pgid, this.#graceMs)) return true;
    this.#note(`ork: group ${pgid} still running ${this.#graceMs} ms after SIGTERM; sending SIGKILL`);
    if (!killGroup(pgid, "SIGKILL")) return true;
    return await waitGroupGone(pgid, AFTER_KILL_MS);
  }
}

/** Whether this process can read `/proc`: not there (macOS), or not allowed to look (a narrow `--allow-read`). */
function procReadable(): boolean {
  try {
    return existsSync("/proc/self/stat");
  } catch {
    return false;
  }
}
