/**
 * Reviewing a job: what it changed (`change.ts`) and everything on record about it, for `ork show` and
 * `ork diff`.
 *
 * @module
 */

export { type JobChange, jobChange } from "./change.ts";
export { type JobReport, jobReport } from "./report.ts";
