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
import { approved, awaitingReview, rejected } from "../../src/queue/review.ts";

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
    review: false,
  };
  return { ...newJobRecord(newJobId(), fields), status };
}

Deno.test("the table allows exactly the moves of the job lifecycle", () => {
  const allowed = JOB_STATUSES.flatMap((from) =>
    JOB_STATUSES.filter((to) => canMove(from, to)).map((to) => `${from}->${to}`)
  );
  assert.deepEqual(allowed.sort(), [
    "awaiting_review->cancelled",
    "awaiting_review->failed",
    "awaiting_review->pending",
    "failed->pending",
    "pending->cancelled",
    "pending->failed",
    "pending->running",
    "running->awaiting_review",
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

Deno.test("review: approve sends a waiting job back to pending marked approved; a retry of its run forgets the approval", () => {
  const running = transition(job("pending"), "running");
  const waiting = awaitingReview(running, { review: { tree: "t" } });
  assert.equal(waiting.status, "awaiting_review");
  assert.equal(waiting.tries.at(-1)?.outcome, "awaiting_review");
  assert.equal(waiting.finished_at, null);
  const now = new Date("2026-12-06T10:00:00.000Z");
  const ok = approved(waiting, now);
  assert.equal(ok.status, "pending");
  assert.equal(ok.approved_at, now.toISOString());
  assert.deepEqual(ok.result, { review: { tree: "t" } }, "the candidate its gates passed is kept");
  // Its landing run fails with a retry left: the retry runs the command anew, unreviewed.
  const retried = transition(transition(ok, "running"), "pending", { retry_count: 1 });
  assert.equal(retried.approved_at, null);
  // Stopped, not failed: still approved.
  assert.equal(transition(transition(ok, "running"), "pending").approved_at, ok.approved_at);
  const no = rejected(awaitingReview(transition(job("pending"), "running"), {}), "too big");
  assert.deepEqual([no.status, no.error, no.retry_count], ["failed", "rejected: too big", 0]);
  assert.throws(
    () => approved(job("pending")),
    /job .* is pending; only a job awaiting review can be approved/,
  );
  assert.throws(
    () => rejected(job("completed"), null),
    /is completed; only a job awaiting review can be rejected/,
  );
});

Deno.test("an approved job keeps its base while it waits to land, a stop included; a retry of its run drops it", () => {
  const waiting = awaitingReview({ ...transition(job("pending"), "running"), base: "b0" }, {});
  const ok = approved(waiting);
  assert.equal(ok.base, "b0");
  const landing = { ...transition(ok, "running"), base: "b0" };
  assert.equal(transition(landing, "pending").base, "b0", "stopped: still approved, still shown against b0");
  assert.equal(transition(landing, "pending", { retry_count: 1 }).base, null);
  assert.equal(transition({ ...transition(job("pending"), "running"), base: "b1" }, "pending").base, null);
});
