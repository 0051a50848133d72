/**
 * Usage limits: whether a failed command stopped because its agent hit one (`rate_limit:`), and until when it
 * should wait. Plain functions of the config, the command's exit code and the end of its output.
 *
 * @module
 */

import type { RateLimitSettings } from "../config/mod.ts";
import type { Job } from "../queue/mod.ts";
import { readBytes } from "../process/mod.ts";

/** A usage limit a command hit: when to run it again, and the line that said so. */
export interface UsageLimit {
  readonly until: Date;
  readonly why: string;
}

/** The longest a job waits for one limit, whatever its output says: a week. */
const MAX_WAIT_MS = 7 * 24 * 3600 * 1000;

/**
 * The usage limit a failed command hit, or null: its exit code is one of `exit_codes`, or its output matches one
 * of `patterns`. The wait is what the match's `reset` group says, else `wait` seconds.
 *
 * @param output the end of the command's output
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const settings = { exit_codes: [75], patterns: ["usage limit reached\\|(?<reset>\\d{10})"], wait: 60, max_waits: 5 };
 * const now = new Date("2026-12-06T10:00:00Z");
 * const hit = usageLimit(settings, 1, "Claude AI usage limit reached|1796556000", now);
 * assert.equal(hit?.until.toISOString(), "2026-12-06T11:20:00.000Z");
 * assert.equal(usageLimit(settings, 75, "", now)?.until.toISOString(), "2026-12-06T10:01:00.000Z");
 * assert.equal(usageLimit(settings, 1, "test failed", now), null);
 * ```
 */
export function usageLimit(
  settings: RateLimitSettings,
  exitCode: number | null,
  output: string,
  now: Date = new Date(),
): UsageLimit | null {
  for (const pattern of settings.patterns) {
    const match = new RegExp(pattern, "i").exec(output);
    if (match === null) continue;
    const line = output.slice(output.lastIndexOf("\n", match.index) + 1).split("\n")[0]!.trim();
    const reset = match.groups?.reset === undefined ? null : resetTime(match.groups.reset, now);
    return { until: reset ?? new Date(now.getTime() + settings.wait * 1000), why: line.slice(0, 200) };
  }
  if (exitCode !== null && settings.exit_codes.includes(exitCode)) {
    return { until: new Date(now.getTime() + settings.wait * 1000), why: `exit code ${exitCode}` };
  }
  return null;
}

/**
 * When a limit resets, from what its message says: epoch seconds (`1796551200`), a duration (`2 hours 5
 * minutes`, `2h5m`, `37s`) or a time of day (`3pm`, `14:30`, the next one after `now`, in local time). Null for
 * anything else, or a time not ahead of now.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const now = new Date("2026-12-06T10:00:00Z");
 * assert.equal(resetTime("2 days 3 hours", now)?.toISOString(), "2026-12-08T13:00:00.000Z");
 * assert.equal(resetTime("5m30s", now)?.toISOString(), "2026-12-06T10:05:30.000Z");
 * assert.equal(resetTime("soon", now), null);
 * ```
 */
export function resetTime(text: string, now: Date = new Date()): Date | null {
  const trimmed = text.trim().toLowerCase();
  const at = /^\d{10}$/.test(trimmed)
    ? new Date(Number(trimmed) * 1000)
    : duration(trimmed, now) ?? clock(trimmed, now);
  if (at === null || at.getTime() <= now.getTime()) return null;
  return new Date(Math.min(at.getTime(), now.getTime() + MAX_WAIT_MS));
}

const UNITS: Readonly<Record<string, number>> = { d: 86_400, h: 3600, m: 60, s: 1 };

function duration(text: string, now: Date): Date | null {
  const parts = [
    ...text.matchAll(/(\d+)\s*(d(?:ays?)?|h(?:ours?|rs?)?|m(?:in(?:ute)?s?)?|s(?:ec(?:ond)?s?)?)(?![a-z])/g),
  ];
  if (parts.length === 0 || text.replace(/(\d+)\s*[a-z]+|,|and|\s/g, "") !== "") return null;
  const seconds = parts.reduce((sum, [, count, unit]) => sum + Number(count) * UNITS[unit![0]!]!, 0);
  return new Date(now.getTime() + seconds * 1000);
}

function clock(text: string, now: Date): Date | null {
  const match = /^(\d{1,2})(?::(\d\d))?\s*(am|pm)?$/.exec(text);
  // A bare number is no time of day: "3pm" or "15:00".
  if (match === null || (match[2] === undefined && match[3] === undefined)) return null;
  let hour = Number(match[1]);
  const minute = Number(match[2] ?? 0);
  if (match[3] !== undefined && (hour < 1 || hour > 12)) return null;
  if (match[3] === "pm" && hour !== 12) hour += 12;
  if (match[3] === "am" && hour === 12) hour = 0;
  if (hour > 23 || minute > 59) return null;
  const at = new Date(now);
  at.setHours(hour, minute, 0, 0);
  if (at.getTime() <= now.getTime()) at.setDate(at.getDate() + 1);
  return at;
}

/** How much of the end of a failed command's output is looked at for a usage limit's message. */
const OUTPUT_BYTES = 64 * 1024;

/** The end of what the command wrote to its log (after `from`, where ork's header ended). */
export async function commandOutput(logPath: string, from: number): Promise<string> {
  using file = await Deno.open(logPath);
  const size = (await file.stat()).size;
  const start = Math.max(from, size - OUTPUT_BYTES);
  return new TextDecoder().decode(await readBytes(file, start, size - start));
}

/** How often the job was parked before (its tries that ended `parked`). */
export function parkedBefore(job: Job): number {
  return job.tries.filter((entry) => entry.outcome === "parked").length;
}
