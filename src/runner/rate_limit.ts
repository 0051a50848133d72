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

/** How many of a failed command's last lines are looked at, and how much of each. */
const MAX_LINES = 200;
const MAX_LINE_CHARS = 1000;

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
  // Line by line, the last lines only, each cut short: what a pattern costs stays bounded whatever the job
  // printed (an agent's limit message is one of its last lines).
  const lines = output.split("\n").slice(-MAX_LINES).map((line) => line.slice(0, MAX_LINE_CHARS));
  for (const pattern of settings.patterns) {
    const regex = new RegExp(pattern, "i");
    for (const line of lines) {
      const match = regex.exec(line);
      if (match === null) continue;
      const reset = match.groups?.reset === undefined ? null : resetTime(match.groups.reset, now);
      return {
        until: reset ?? new Date(now.getTime() + settings.wait * 1000),
        why: line.trim().slice(0, 200),
      };
    }
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
  // Capped before it becomes a date: a number of days too large for one is still "a week at most".
  return new Date(now.getTime() + Math.min(seconds * 1000, MAX_WAIT_MS + 1000));
}

/**
 * The next time of day `text` names after `now`: `3pm`, `15:30`, in local time, or in the zone it names in
 * parentheses as Claude Code prints it (`1pm (Europe/Lisbon)`).
 */
function clock(text: string, now: Date): Date | null {
  const match = /^(\d{1,2})(?::(\d\d))?\s*(am|pm)?(?:\s*\(([a-z_]+(?:\/[a-z_+-]+)*)\))?$/.exec(text);
  // A bare number is no time of day: "3pm" or "15:00".
  if (match === null || (match[2] === undefined && match[3] === undefined)) return null;
  let hour = Number(match[1]);
  const minute = Number(match[2] ?? 0);
  if (match[3] !== undefined && (hour < 1 || hour > 12)) return null;
  if (match[3] === "pm" && hour !== 12) hour += 12;
  if (match[3] === "am" && hour === 12) hour = 0;
  if (hour > 23 || minute > 59) return null;
  const offset = match[4] === undefined ? localOffsetMs(now) : zoneOffsetMs(match[4], now);
  if (offset === null) return null;
  // The wall clock of the zone, as if it were UTC: set the time there, then back to real UTC.
  const wall = new Date(now.getTime() + offset);
  wall.setUTCHours(hour, minute, 0, 0);
  let at = wall.getTime() - offset;
  if (at <= now.getTime()) at += 86_400_000;
  return new Date(at);
}

/** How far this machine's clock is ahead of UTC at `at`. */
function localOffsetMs(at: Date): number {
  return -at.getTimezoneOffset() * 60_000;
}

/** How far zone `name`'s clock is ahead of UTC at `at`; null for a zone this runtime does not know. */
function zoneOffsetMs(name: string, at: Date): number | null {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-US", {
      timeZone: name,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    }).formatToParts(at);
  } catch {
    return null;
  }
  const field = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const wall = Date.UTC(
    field("year"),
    field("month") - 1,
    field("day"),
    field("hour"),
    field("minute"),
    field("second"),
  );
  return wall - Math.floor(at.getTime() / 1000) * 1000;
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

/** How often the job was parked since it last failed for good (`ork retry` gives it a new budget). */
export function parkedBefore(job: Job): number {
  let count = 0;
  for (const entry of [...job.tries].reverse()) {
    if (entry.outcome === "failed") break;
    if (entry.outcome === "parked") count++;
  }
  return count;
}
