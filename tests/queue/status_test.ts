import assert from "node:assert/strict";
import { OrkError } from "../../src/errors/mod.ts";
import {
  ALLOWED_MOVES,
  canMove,
  type Job,
  JOB_STATUSES,
  newJobId,
  newJobRecord,
  transition,
} from "../../src/queue/mod.ts";

function job(status: Job["status"]): Job {
  const fields = {
    role: "bug-catcher",
    description: "d",
    command: "true",
    agent: null,
    prompt: null,
    priority: 50,
    timeout: null,
    max_retries: 2,
    unique: null,
    after: [],
  };
  return { ...newJobRecord(newJobId(), fields), status };
}

Deno.test("the table allows exactly the moves of the job lifecycle", () => {
  const allowed = JOB_STATUSES.flatMap((from) =>
    JOB_STATUSES.filter((to) => canMove(from, to)).map((to) => `${from}->${to}`)
  );
  assert.deepEqual(allowed.sort(), [
    "failed->pending",
    "pending->cancelled",
    "pending->failed",
    "pending->running",
    "running->cancelled",
    "running->completed",
    "running->failed",
    "running->pending",
  ]);
});

Deno.test("every move outside the table is refused with an error naming both states", () => {
  for (const from of JOB_STATUSES) {
    for (const to of JOB_STATUSES) {
      if (ALLOWED_MOVES[from].includes(to)) continue;
      const j = job(from);
      assert.throws(() => transition(j, to), (error: unknown) => {
        assert.ok(error instanceof OrkError);
        assert.equal(error.code, "invalid-transition");
        assert.equal(error.message, `cannot move job ${j.id} from ${from} to ${to}`);
        return true;
      });
    }
  }
});

Deno.test("a move sets the timestamps its status implies and leaves the input alone", () => {
  const pending = job("pending");
  const running = transition(pending, "running", { worker: "w1" }, new Date("2026-01-01T00:00:00.000Z"));
  assert.equal(pending.status, "pending");
  assert.equal(running.started_at, "2026-01-01T00:00:00.000Z");
  assert.equal(running.worker, "w1");
  const done = transition(
    running,
    "completed",
    { result: { ok: true } },
    new Date("2026-01-01T00:00:05.000Z"),
  );
  assert.equal(done.finished_at, "2026-01-01T00:00:05.000Z");
  assert.equal(done.started_at, "2026-01-01T00:00:00.000Z");
  const again = transition(running, "pending");
  assert.deepEqual([again.started_at, again.finished_at, again.worker], [null, null, null]);
});
