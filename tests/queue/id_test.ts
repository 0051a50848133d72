import assert from "node:assert/strict";
import { JOB_ID_PATTERN, newJobId, shortId } from "../../src/queue/mod.ts";

Deno.test("ids are 26 lowercase base32 characters and sort by creation time", () => {
  const early = newJobId(Date.parse("2026-01-01T00:00:00Z"));
  const late = newJobId(Date.parse("2026-06-01T00:00:00Z"));
  assert.match(early, JOB_ID_PATTERN);
  assert.ok(early < late);
});

Deno.test("ids made in the same millisecond are distinct and in order", () => {
  const now = Date.now() + 10_000;
  const ids = Array.from({ length: 1000 }, () => newJobId(now));
  assert.equal(new Set(ids).size, 1000);
  assert.deepEqual([...ids].sort(), ids);
});

Deno.test("the short id is the random tail", () => {
  const id = newJobId();
  assert.equal(shortId(id), id.slice(18));
});
