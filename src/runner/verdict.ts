/**
 * What a landing that did not land means for its job, as a plain function of the outcome: the error the job
 * records, and whether running it again could help (and as which kind of failure, for `retry_on`). Tested
 * without a repository; `job.ts` records what it says.
 *
 * @module
 */

import type { GateConfig } from "../config/mod.ts";
import type { GateResult } from "../gates/mod.ts";
import type { LandResult } from "./land.ts";
import type { FailureKind } from "./retry.ts";

/** The outcomes of landing that fail the job. */
export type LandingRefusal = Extract<
  LandResult,
  { kind: "conflict" | "changes-protected" | "target-moving" | "gates-failed" | "checkout-would-lose-work" }
>;

/** How the job fails. */
export interface LandingFailure {
  /** The job's `error`: one line naming what stopped it and the fix. */
  readonly error: string;
  /** The job's `result`, when its gates ran. */
  readonly result?: { readonly landed: false; readonly gates: GateResult[] };
  /** The kind of failure a retry is spent on (see `retry_on`); false when running it again would do the same. */
  readonly retry: FailureKind | false;
}

/**
 * The failure a landing outcome means.
 *
 * @param outcome how landing ended
 * @param facts the target branch, the job's id and the gates as configured
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { landingFailure } from "./verdict.ts";
 *
 * const failure = landingFailure({ kind: "conflict", files: ["a.txt"] }, { target: "main", job: "01j", gates: [] });
 * assert.deepEqual(failure, { error: "conflicts with main in a.txt", retry: "conflict" });
 * ```
 */
export function landingFailure(
  outcome: LandingRefusal,
  facts: { readonly target: string; readonly job: string; readonly gates: readonly GateConfig[] },
): LandingFailure {
  switch (outcome.kind) {
    case "conflict":
      // No conflict markers reach any branch: the job runs again from the new tip while it has retries.
      return { error: `conflicts with ${facts.target} in ${outcome.files.join(", ")}`, retry: "conflict" };
    case "changes-protected":
      // Running it again would change them again.
      return {
        error:
          `changes ork's own config (${outcome.files.join(", ")}), which no job may: its gates and roles ` +
          `would apply to every job after it; make that change yourself, then ork retry ${facts.job} if the ` +
          "rest is wanted",
        retry: false,
      };
    case "target-moving":
      return {
        error: `${facts.target} moved outside ork ${outcome.attempts} times while the gates ran`,
        retry: "conflict",
      };
    case "gates-failed":
      return gatesFailed(outcome, facts.gates);
    case "checkout-would-lose-work":
      return {
        error: `would overwrite uncommitted changes in ${outcome.files.join(", ")}; commit or stash them, ` +
          `then ork retry ${facts.job}`,
        result: { landed: false, gates: outcome.gates },
        retry: false,
      };
  }
}

/** Names the gates that ran and failed; later required gates were not run once one had failed. */
function gatesFailed(
  outcome: Extract<LandResult, { kind: "gates-failed" }>,
  configured: readonly GateConfig[],
): LandingFailure {
  const ran = new Set(outcome.gates.map((gate) => gate.name));
  const failedRan = outcome.failed.filter((name) => ran.has(name));
  const notRun = outcome.failed.filter((name) => !ran.has(name));
  const error = `required gate ${(failedRan.length > 0 ? failedRan : notRun).join(", ")} ` +
    (failedRan.length > 0 ? "failed" : "did not run") +
    (failedRan.length > 0 && notRun.length > 0 ? ` (not run after it: ${notRun.join(", ")})` : "");
  // A secrets finding is in the job's change: running it again finds it again.
  const secretsOnly = failedRan.length > 0 &&
    failedRan.every((name) => configured.find((gate) => gate.name === name)?.type === "secrets");
  return { error, result: { landed: false, gates: outcome.gates }, retry: secretsOnly ? "secrets" : "gate" };
}
