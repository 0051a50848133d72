/**
 * The merge train as `ork status` sees it: each runner writes its train's state to `.ork/trains/<runner>.json`
 * whenever it changes, and status reads the files of runners that are alive. A view, not a record: the job
 * files stay the truth, so the file is replaced without syncing and a lost one costs nothing.
 *
 * @module
 */

import { join } from "node:path";
import { runnerAlive, runnerOfLockName } from "./identity.ts";

/** Where a candidate is: `waiting` (not built yet), `testing`, `passed` (waits for those ahead), `failing`
 * (failed; final once it is the head), `landing`. */
export type CarState = "waiting" | "testing" | "passed" | "failing" | "landing";

/** One candidate of the train as `ork status` shows it. */
export interface TrainCar {
  /** The job's id. */
  readonly job: string;
  /** `waiting` (not built yet), `testing`, `passed` (waits for those ahead), `failing` (failed; final once at
   * the head), `landing`. */
  readonly state: CarState;
  /** The commit the candidate is built on, when built. */
  readonly base: string | null;
  /** The candidate commit, when built. */
  readonly candidate: string | null;
  /** The jobs ahead whose work the candidate holds, in order. */
  readonly holds: readonly string[];
  /** The jobs tested in one candidate with it (itself included, see `landing.batch`); null when alone. */
  readonly batch?: readonly string[] | null;
  /** The gate running, and since when (ISO time). */
  readonly gate: { readonly name: string; readonly since: string } | null;
  /** `ORK_GATE_SLOT` of its test, while it is tested. */
  readonly slot: number | null;
}

/** The train's state. */
export interface TrainSnapshot {
  /** The target's tip the train builds on. */
  readonly tip: string | null;
  /** Its candidates, head first. */
  readonly cars: readonly TrainCar[];
}

/** One runner's train, as written for `ork status`. */
export interface TrainView extends TrainSnapshot {
  /** The runner whose train it is. */
  readonly runner: string;
  /** The branch it lands on. */
  readonly target: string;
  /** When it last changed (ISO time). */
  readonly updated_at: string;
}

/** Where a runner's train file is. */
export function trainFile(orkDir: string, runner: string): string {
  return join(orkDir, "trains", `${runner}.json`);
}

/**
 * Writes a runner's train (replacing the file in one rename, so a reader never sees half of it); an empty
 * train removes the file. Never throws: status is worth less than the landing that called this.
 */
export function writeTrain(path: string, view: TrainView): void {
  try {
    if (view.cars.length === 0) {
      Deno.removeSync(path);
      return;
    }
    Deno.mkdirSync(join(path, ".."), { recursive: true });
    const temp = `${path}.tmp`;
    Deno.writeTextFileSync(temp, JSON.stringify(view, null, 2) + "\n");
    Deno.renameSync(temp, path);
  } catch {
    // A full disk or a removed folder: the next change writes it again.
  }
}

/** The trains of the runners alive now, oldest runner first. */
export function readTrains(orkDir: string, locksDir: string, host: string): TrainView[] {
  const dir = join(orkDir, "trains");
  const trains: TrainView[] = [];
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  for (const entry of entries) {
    if (!entry.name.endsWith(".json")) continue;
    const runner = entry.name.slice(0, -".json".length);
    const identity = runnerOfLockName(`${runner}.lock`, host);
    if (identity === null || runnerAlive(locksDir, identity, host) !== true) continue;
    try {
      trains.push(JSON.parse(Deno.readTextFileSync(join(dir, entry.name))) as TrainView);
    } catch {
      // Being replaced, or written by a runner that died mid-write: there is nothing to show.
    }
  }
  return trains.sort((a, b) => a.runner.localeCompare(b.runner));
}
