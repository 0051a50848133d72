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
export interface Slot {
  /** The worktree the slot holds, or null before its first job. */
  path: string | null;
  /** The commit the worktree was last wiped clean at (nothing else in it), if it has not been used since. */
  cleanAt?: string | null;
  /** The commit the last job landed, which the target pointed to a moment ago: where the wipe goes. */
  landedAt?: string | null;
  /** ork's copy of the worktree's index from its last reset; null while there is no worktree. */
  index?: CleanIndex | null;
  /** The slot's block of ports (`ORK_PORT`), once it has one. */
  port?: number;
}

/** What the slot's functions need (a job's context has it all). */
export interface SlotContext {
  /** The main worktree's root. */
  readonly root: string;
  /** The branch work lands on: a slot is wiped to its tip when nothing else is known. */
  readonly target: string;
  /** The slot. */
  readonly slot: Slot;
  /** Where a replaced worktree or a failed removal is reported. */
  readonly events: EventLog;
}

/**
 * Puts the slot's worktree at `worktree`, holding `base` and nothing else: the worker's previous worktree moved
 * and reset when there is one (far cheaper than a checkout), else a new one.
 */
export async function prepareWorktree(ctx: SlotContext, worktree: string, base: string): Promise<void> {
  const previous = ctx.slot.path;
  const cleanAt = ctx.slot.cleanAt;
  ctx.slot.cleanAt = null;
  if (previous !== null) {
    try {
      // A job run again by the same worker within the second has the same name: nothing to move.
      if (previous !== worktree) await moveWorktree(ctx.root, previous, worktree);
      ctx.slot.path = worktree;
      // Wiped at this very commit after the last job and untouched since: a second reset would change nothing.
      if (cleanAt !== base) await resetSlot(ctx, base);
      return;
    } catch (error) {
      // The reused worktree is gone or broken (someone removed it by hand): start afresh below, and say so.
      // (The slot names it where it is: moved or not.)
      await dropSlotWorktree(ctx, reasonOf(error));
    }
  }
  ctx.slot.index = await addWorktree(ctx.root, worktree, base);
  ctx.slot.path = worktree;
}

/** ork's copy of the slot's worktree index; there is one whenever there is a worktree. */
export function slotIndex(ctx: SlotContext): CleanIndex {
  if (!ctx.slot.index) {
    throw new OrkError("git-failed", "the job's worktree has no clean index on record", "ork retry <id>");
  }
  return ctx.slot.index;
}

/** Resets the slot's worktree to `commit` (see resetWorktree), keeping ork's copy of the index it writes. */
export async function resetSlot(ctx: SlotContext, commit: string, tree?: string): Promise<void> {
  if (ctx.slot.path === null) {
    throw new OrkError(
      "git-failed",
      "the job's worktree is gone (it could not be reset and was removed)",
      "see .ork/orchestrator.log for why; ork retry <id> runs the job again",
    );
  }
  ctx.slot.cleanAt = null;
  ctx.slot.index = await resetWorktree(ctx.slot.path, commit, {
    clean: ctx.slot.index,
    ...(tree === undefined ? {} : { tree }),
  });
}

/**
 * Leaves the slot's worktree holding nothing of the job: at `tip` (by default the commit the job landed, else
 * the target's tip), untracked files gone. Never throws: a worktree that cannot be reset is removed.
 *
 * @param tree `tip`'s tree, when known: if ork's copy of the index describes it, only what changed since is undone
 */
export async function wipeSlot(ctx: SlotContext, tip?: string, tree?: string): Promise<void> {
  const landedAt = ctx.slot.landedAt;
  ctx.slot.landedAt = null;
  if (ctx.slot.path === null) return;
  try {
    // After a landing the worktree goes to the landed commit without asking git for the tip: if another job
    // landed since, the next job's claim sees that its base differs and resets the worktree there.
    const at = tip ?? landedAt ?? await branchTip(ctx.root, ctx.target);
    // Wiped there already (while the landing was being recorded).
    if (ctx.slot.cleanAt === at) return;
    const index = ctx.slot.index;
    if (index && tree !== undefined && index.tree === tree) {
      ctx.slot.cleanAt = null;
      ctx.slot.index = await restoreWorktree(ctx.slot.path, at, index);
    } else {
      await resetSlot(ctx, at, tree);
    }
    ctx.slot.cleanAt = at;
  } catch (error) {
    // Cannot reset it: remove it rather than let the next job see this one's files.
    await dropSlotWorktree(ctx, reasonOf(error));
  }
}

/**
 * Removes the slot's worktree, whose state is unknown; the next job gets a new one. Never throws: what cannot be
 * removed is left to `ork clean`, with a warning.
 */
export async function dropSlotWorktree(ctx: SlotContext, reason: string): Promise<void> {
  const path = ctx.slot.path;
  ctx.slot.path = null;
  ctx.slot.index = null;
  ctx.slot.cleanAt = null;
  if (path === null) return;
  ctx.events.emit({ kind: "worktree-replaced", path, reason });
  try {
    await removeWorktree(ctx.root, path);
  } catch (error) {
    ctx.events.emit({
      kind: "warning",
      message: `could not remove the worktree ${path} (${reasonOf(error)}); 'ork clean' removes it`,
    });
  }
}
