/**
 * A worker's slot: the worktree it reuses from job to job, ork's copy of that worktree's index (so that a reset
 * only undoes what changed), and how it is prepared for a job, reset, wiped after one, or dropped when broken.
 * Whatever happens, the next job finds a worktree holding nothing of the last one, or a new one.
 *
 * @module
 */

import {
  addWorktree,
  branchTip,
  type CleanIndex,
  moveWorktree,
  removeWorktree,
  resetWorktree,
  restoreWorktree,
} from "../git/mod.ts";
import { OrkError, reasonOf } from "../errors/mod.ts";
import type { EventLog } from "./events.ts";

/** A worker's reusable worktree: moving an existing worktree to another commit is far cheaper than a checkout. */
export class Slot {
  /** The worktree the slot holds, or null before its first job. */
  path: string | null = null;
  /** The commit the last job landed, which the target pointed to a moment ago: where the wipe goes. */
  landedAt: string | null = null;
  /** The slot's block of ports (`ORK_PORT`), once it has one. */
  port: number | undefined;
  /** The commit the worktree was last wiped clean at (nothing else in it), if it has not been used since. */
  #cleanAt: string | null = null;
  /** ork's copy of the worktree's index from its last reset; null while there is no worktree. */
  #index: CleanIndex | null = null;

  /**
   * @param root the main worktree's root
   * @param target the branch work lands on: a slot is wiped to its tip when nothing else is known
   * @param events where a replaced worktree or a failed removal is reported
   */
  constructor(readonly root: string, readonly target: string, readonly events: EventLog) {}

  /** ork's copy of the worktree's index; there is one whenever there is a worktree. */
  get index(): CleanIndex {
    if (!this.#index) {
      throw new OrkError("git-failed", "the job's worktree has no clean index on record", "ork retry <id>");
    }
    return this.#index;
  }

  /** The worktree now holds exactly ork's commit of the job, which `index` describes. */
  committed(index: CleanIndex): void {
    this.#index = index;
  }

  /**
   * Puts the worktree at `worktree`, holding `base` and nothing else: the previous one moved and reset when there
   * is one (far cheaper than a checkout), else a new one.
   */
  async prepare(worktree: string, base: string): Promise<void> {
    const previous = this.path;
    const cleanAt = this.#cleanAt;
    this.#cleanAt = null;
    if (previous !== null) {
      try {
        // A job run again by the same worker within the second has the same name: nothing to move.
        if (previous !== worktree) await moveWorktree(this.root, previous, worktree);
        this.path = worktree;
        // Wiped at this very commit after the last job and untouched since: a second reset would change nothing.
        if (cleanAt !== base) await this.reset(base);
        return;
      } catch (error) {
        // The reused worktree is gone or broken (someone removed it by hand): start afresh below, and say so.
        // (The slot names it where it is: moved or not.)
        await this.drop(reasonOf(error));
      }
    }
    this.#index = await addWorktree(this.root, worktree, base);
    this.path = worktree;
  }

  /** Resets the worktree to `commit` (see resetWorktree), keeping ork's copy of the index it writes. */
  async reset(commit: string, tree?: string): Promise<void> {
    if (this.path === null) {
      throw new OrkError(
        "git-failed",
        "the job's worktree is gone (it could not be reset and was removed)",
        "see .ork/orchestrator.log for why; ork retry <id> runs the job again",
      );
    }
    this.#cleanAt = null;
    this.#index = await resetWorktree(this.path, commit, {
      clean: this.#index,
      ...(tree === undefined ? {} : { tree }),
    });
  }

  /**
   * Leaves the worktree holding nothing of the job: at `tip` (by default the commit the job landed, else the
   * target's tip), untracked files gone. Never throws: a worktree that cannot be reset is removed.
   *
   * @param tree `tip`'s tree, when known: if ork's copy of the index describes it, only what changed since is
   *   undone
   */
  async wipe(tip?: string, tree?: string): Promise<void> {
    const landedAt = this.landedAt;
    this.landedAt = null;
    if (this.path === null) return;
    try {
      // After a landing the worktree goes to the landed commit without asking git for the tip: if another job
      // landed since, the next job's claim sees that its base differs and resets the worktree there.
      const at = tip ?? landedAt ?? await branchTip(this.root, this.target);
      // Wiped there already (while the landing was being recorded).
      if (this.#cleanAt === at) return;
      const index = this.#index;
      if (index && tree !== undefined && index.tree === tree) {
        this.#cleanAt = null;
        this.#index = await restoreWorktree(this.path, at, index);
      } else {
        await this.reset(at, tree);
      }
      this.#cleanAt = at;
    } catch (error) {
      // Cannot reset it: remove it rather than let the next job see this one's files.
      await this.drop(reasonOf(error));
    }
  }

  /**
   * Removes the worktree, whose state is unknown; the next job gets a new one. Never throws: what cannot be
   * removed is left to `ork clean`, with a warning.
   */
  async drop(reason: string): Promise<void> {
    const path = this.path;
    this.path = null;
    this.#index = null;
    this.#cleanAt = null;
    if (path === null) return;
    this.events.emit({ kind: "worktree-replaced", path, reason });
    try {
      await removeWorktree(this.root, path);
    } catch (error) {
      this.events.emit({
        kind: "warning",
        message: `could not remove the worktree ${path} (${reasonOf(error)}); 'ork clean' removes it`,
      });
    }
  }
}
