import assert from "node:assert/strict";
import { join } from "node:path";
import { InputError, OrkError } from "../../src/errors/mod.ts";
import { FsQueue, type Job, type NewJob } from "../../src/queue/mod.ts";
import { exists, snapshot, tempDir } from "../helpers/mod.ts";

const root = await tempDir("ork-store-");
let n = 0;
/** A fresh queue in its own folder of this file's temp dir, and the warnings it gave. */
function freshQueue(): { queue: FsQueue; dir: string; warnings: string[] } {
  const dir = join(root.dir, `q${++n}`, "queue");
  const warnings: string[] = [];
  return { queue: new FsQueue(dir, { onWarning: (w) => warnings.push(w) }), dir, warnings };
}
const job = (description: string, extra: Partial<NewJob> = {}): NewJob => ({
  role: "bug-catcher",
  description,
  command: `echo ${description}`,
  ...extra,
});
const names = async (dir: string) => {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.name.endsWith(".json")) out.push(e.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort();
};

Deno.test.afterAll(async () => await root[Symbol.asyncDispose]());

Deno.test("enqueue writes one pending job file with every field of the record", async () => {
  const { queue, dir } = freshQueue();
  const id = await queue.enqueue(job("a", { priority: 10, timeout: 600 }));
  assert.deepEqual(await names(dir), [`${id}.json`]);
  const stored = JSON.parse(await Deno.readTextFile(join(dir, `${id}.json`)));
  assert.deepEqual(Object.keys(stored), [
    "id",
    "role",
    "description",
    "command",
    "agent",
    "prompt",
    "priority",
    "timeout",
    "max_retries",
    "retry_count",
    "status",
    "created_at",
    "started_at",
    "finished_at",
    "error",
    "result",
    "exit_code",
    "worker",
    "branch",
    "worktree",
    "log_path",
    "base",
    "landed_commit",
    "pid",
    "sandbox",
    "environment",
    "tries",
    "unique",
    "after",
    "review",
    "approved_at",
    "parked_until",
    "schema_version",
  ]);
  assert.equal(stored.status, "pending");
  assert.equal(stored.priority, 10);
  assert.equal(stored.timeout, 600);
  assert.equal(stored.max_retries, 2);
  assert.match(stored.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

Deno.test("claims follow priority, then enqueue order within a priority", async () => {
  const { queue } = freshQueue();
  const low = await queue.enqueue(job("low", { priority: 100 }));
  const first = await queue.enqueue(job("first", { priority: 50 }));
  const second = await queue.enqueue(job("second", { priority: 50 }));
  const urgent = await queue.enqueue(job("urgent", { priority: 0 }));
  const order: string[] = [];
  for (let claimed = await queue.claim("w"); claimed; claimed = await queue.claim("w")) {
    order.push(claimed.id);
  }
  assert.deepEqual(order, [urgent, first, second, low]);
});

Deno.test("a claimed job is running, names its worker and has started_at", async () => {
  const { queue } = freshQueue();
  const id = await queue.enqueue(job("a"));
  const claimed = await queue.claim("runner-1/w0");
  assert.equal(claimed?.id, id);
  const stored = await queue.get(id);
  assert.equal(stored.status, "running");
  assert.equal(stored.worker, "runner-1/w0");
  assert.ok(stored.started_at);
  assert.equal(await queue.claim("w"), null);
});

Deno.test("complete moves the job to the archive with its result", async () => {
  const { queue, dir } = freshQueue();
  const id = await queue.enqueue(job("a"));
  await queue.claim("w");
  const done = await queue.complete(id, { landed: true });
  assert.equal(done.status, "completed");
  assert.deepEqual(await names(dir), []);
  assert.deepEqual(await names(queue.archiveDir), [`${id}.json`]);
  assert.deepEqual((await queue.get(id)).result, { landed: true });
  assert.ok((await queue.get(id)).finished_at);
});

Deno.test("fail puts the job back to pending until max_retries is spent, then fails it", async () => {
  const { queue } = freshQueue();
  const id = await queue.enqueue(job("a", { max_retries: 1 }));
  await queue.claim("w");
  const retried = await queue.fail(id, "exit 1", { exit_code: 1 });
  assert.deepEqual([retried.status, retried.retry_count, retried.error], ["pending", 1, "exit 1"]);
  assert.equal((await queue.claim("w"))?.id, id);
  const failed = await queue.fail(id, "exit 2", { exit_code: 2 });
  assert.deepEqual([failed.status, failed.retry_count, failed.exit_code], ["failed", 1, 2]);
  assert.equal(await queue.claim("w"), null);
});

Deno.test("retry puts a failed job back in the queue with its retries restored", async () => {
  const { queue, dir } = freshQueue();
  const id = await queue.enqueue(job("a", { max_retries: 0 }));
  await queue.claim("w");
  await queue.fail(id, "boom");
  const again = await queue.retry(id);
  assert.deepEqual([again.status, again.retry_count, again.error], ["pending", 0, null]);
  assert.deepEqual(await names(dir), [`${id}.json`]);
  assert.deepEqual(await names(queue.archiveDir), []);
  assert.equal((await queue.claim("w"))?.id, id);
});

Deno.test("cancel stops a pending job from being claimed and refuses a finished one", async () => {
  const { queue } = freshQueue();
  const id = await queue.enqueue(job("a"));
  assert.equal((await queue.cancel(id)).status, "cancelled");
  assert.equal(await queue.claim("w"), null);
  await assert.rejects(queue.cancel(id), (error: unknown) => {
    assert.ok(error instanceof OrkError);
    assert.equal(error.code, "invalid-transition");
    assert.equal(error.message, `cannot move job ${id} from cancelled to cancelled`);
    return true;
  });
});

Deno.test("a cancel that comes while a job is being finished waits for it, then finds the job completed", async () => {
  const { queue, dir } = freshQueue();
  const id = await queue.enqueue(job("landing"));
  await queue.claim("w");
  const marker = join(root.dir, `cancel-${id}`);
  let canceller: Deno.ChildProcess | undefined;
  const finished = await queue.finishWhileRunning(id, async () => {
    // Another process cancels while the target branch moves, as `ork cancel` from a terminal would.
    canceller = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", join(import.meta.dirname!, "_queue_worker.ts"), "cancel", dir, id, marker],
      stdout: "piped",
    }).spawn();
    for (let tries = 0; !exists(marker); tries++) {
      if (tries > 400) throw new Error("the canceller never started");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await new Promise((resolve) => setTimeout(resolve, 100)); // now it is waiting for the queue lock
    assert.equal(await queue.statusOf(id), "running");
    return {
      value: "moved",
      complete: { result: { landed: true }, changes: { landed_commit: "c".repeat(40) } },
    };
  });
  assert.equal(finished?.value, "moved");
  assert.equal(finished?.job.status, "completed");
  const said = new TextDecoder().decode((await canceller!.output()).stdout).trim();
  assert.equal(said, "invalid-transition");
  const stored = await queue.get(id);
  assert.equal(stored.status, "completed");
  assert.deepEqual(stored.result, { landed: true });
  assert.equal(stored.landed_commit, "c".repeat(40));
});

Deno.test("what a finish records first is there while its work runs, and is taken back when it does not complete", async () => {
  const { queue } = freshQueue();
  const id = await queue.enqueue(job("intent"));
  await queue.claim("w");
  const intent = { landed_commit: "a".repeat(40) };
  const seen = await queue.finishWhileRunning(id, async () => {
    const during = await queue.peek({ status: "running" });
    return { value: during.find((j) => j.id === id)?.landed_commit, complete: null };
  }, intent);
  assert.equal(seen?.value, "a".repeat(40));
  assert.equal((await queue.get(id)).landed_commit, null);
  await assert.rejects(queue.finishWhileRunning(id, () => Promise.reject(new Error("boom")), intent), /boom/);
  assert.equal((await queue.get(id)).landed_commit, null);
  assert.equal((await queue.get(id)).status, "running");
});

Deno.test("finishing a job that is no longer running does not run the work", async () => {
  const { queue } = freshQueue();
  const id = await queue.enqueue(job("cancelled first"));
  await queue.claim("w");
  await queue.cancel(id);
  let ran = false;
  const finished = await queue.finishWhileRunning(id, () => {
    ran = true;
    return Promise.resolve({ value: 1, complete: { result: {}, changes: {} } });
  });
  assert.equal(finished, null);
  assert.equal(ran, false);
  assert.equal((await queue.get(id)).status, "cancelled");
});

Deno.test("finishing several jobs at once: all complete with their own fields, or none when one is not running", async () => {
  const { queue } = freshQueue();
  const ids = [
    await queue.enqueue(job("one")),
    await queue.enqueue(job("two")),
    await queue.enqueue(job("three")),
  ];
  for (const _ of ids) await queue.claim("w");
  await queue.cancel(ids[1]!);
  let ran = false;
  const refused = await queue.finishAllWhileRunning(
    ids.map((id) => ({ id, intent: { landed_commit: id } })),
    () => {
      ran = true;
      return Promise.resolve({ value: 1, complete: null });
    },
  );
  assert.deepEqual(refused, { notRunning: [ids[1]] });
  assert.equal(ran, false);
  assert.equal((await queue.get(ids[0]!)).landed_commit, null, "nothing recorded for the others");

  const both = [ids[0]!, ids[2]!];
  const finished = await queue.finishAllWhileRunning(
    both.map((id) => ({ id, intent: { landed_commit: `${id}-intent` } })),
    async () => {
      // Recorded for each before the work runs.
      const running = await queue.peek({ status: "running" });
      return {
        value: running.map((j) => j.landed_commit).sort(),
        complete: (id: string) => ({
          result: { landed: true, batch: both },
          changes: { landed_commit: `${id}-landed` },
        }),
      };
    },
  );
  assert.ok("value" in finished);
  assert.deepEqual(finished.value, both.map((id) => `${id}-intent`).sort());
  for (const id of both) {
    const stored = await queue.get(id);
    assert.equal(stored.status, "completed");
    assert.equal(stored.landed_commit, `${id}-landed`);
    assert.deepEqual(stored.result, { landed: true, batch: both });
  }
});

Deno.test("a job is found by a unique prefix, refused when ambiguous, and never by a substring", async () => {
  const { queue } = freshQueue();
  const a = await queue.enqueue(job("a"));
  const b = await queue.enqueue(job("b"));
  assert.equal((await queue.get(a.slice(0, 24).toUpperCase() + a.slice(24))).id, a);
  const common = [...a].findIndex((ch, i) => ch !== b[i]);
  await assert.rejects(queue.get(a.slice(0, common)), (error: unknown) => {
    assert.ok(error instanceof OrkError);
    assert.equal(error.code, "ambiguous-id");
    assert.match(error.message, new RegExp(`is ambiguous: ${a}, ${b}$`));
    return true;
  });
  await assert.rejects(
    queue.get(a.slice(5, 20)),
    (e: unknown) => e instanceof OrkError && e.code === "job-not-found",
  );
  await assert.rejects(
    queue.get("not-an-id!"),
    (e: unknown) => e instanceof OrkError && e.code === "bad-input",
  );
});

Deno.test("list shows history, then running, then pending in run order; stats counts each status", async () => {
  const { queue } = freshQueue();
  const done = await queue.enqueue(job("done", { priority: 1 }));
  await queue.claim("w");
  await queue.complete(done);
  const running = await queue.enqueue(job("running", { priority: 2 }));
  await queue.claim("w");
  const later = await queue.enqueue(job("later", { priority: 90 }));
  const sooner = await queue.enqueue(job("sooner", { priority: 5 }));
  assert.deepEqual((await queue.list()).map((j: Job) => j.id), [done, running, sooner, later]);
  assert.deepEqual((await queue.list({ status: "pending" })).map((j: Job) => j.id), [sooner, later]);
  assert.deepEqual(await queue.stats(), {
    pending: 2,
    running: 1,
    awaiting_review: 0,
    completed: 1,
    failed: 0,
    cancelled: 0,
    total: 4,
  });
});

Deno.test("a corrupt or torn job file is quarantined with a warning and the queue goes on", async () => {
  const { queue, dir, warnings } = freshQueue();
  const good = await queue.enqueue(job("good"));
  await Deno.writeTextFile(
    join(dir, "01jbh7ksq0a4mzd3g5tn2w8c6f.json"),
    '{"id": "01jbh7ksq0a4mzd3g5tn2w8c6f", "ro',
  );
  const badField = JSON.parse(await Deno.readTextFile(join(dir, `${good}.json`)));
  badField.id = "01jbh7ksq0a4mzd3g5tn2w8c6g";
  badField.priority = -3;
  await Deno.writeTextFile(join(dir, `${badField.id}.json`), JSON.stringify(badField));
  assert.deepEqual((await queue.list()).map((j: Job) => j.id), [good]);
  assert.deepEqual(await names(dir), [`${good}.json`]);
  assert.deepEqual(await names(queue.quarantineDir), [
    "01jbh7ksq0a4mzd3g5tn2w8c6f.json",
    "01jbh7ksq0a4mzd3g5tn2w8c6g.json",
  ]);
  assert.equal(warnings.length, 2);
  assert.match(warnings.join("\n"), /quarantined .*01jbh7ksq0a4mzd3g5tn2w8c6f\.json .*: not valid JSON/);
  assert.match(warnings.join("\n"), /quarantined .*01jbh7ksq0a4mzd3g5tn2w8c6g\.json .*: field priority: /);
  assert.equal((await queue.claim("w"))?.id, good);
});

Deno.test("job files of every older schema (the Python layout, 1 and 2) still load", async () => {
  const { queue, dir } = freshQueue();
  await Deno.mkdir(dir, { recursive: true });
  const ids: string[] = [];
  for (const version of [0, 1, 2]) {
    const fixture = new URL(`./fixtures/job_v${version}.json`, import.meta.url);
    const id = JSON.parse(await Deno.readTextFile(fixture)).id;
    await Deno.copyFile(fixture, join(dir, `${id}.json`));
    ids.push(id);
  }
  for (const id of ids) {
    const job = await queue.get(id);
    assert.deepEqual(
      [
        job.role,
        job.priority,
        job.max_retries,
        job.retry_count,
        job.base,
        job.sandbox,
        job.environment,
        job.tries,
        job.review,
        job.approved_at,
        job.schema_version,
      ],
      ["bug-catcher", 10, 2, 0, null, null, null, [], false, null, 8],
      `${id}`,
    );
  }
  assert.equal((await queue.claim("w"))?.id, ids[0]);
});

Deno.test("clear deletes archived jobs older than the age and keeps the rest", async () => {
  const { queue } = freshQueue();
  const old = await queue.enqueue(job("old"));
  const fresh = await queue.enqueue(job("fresh"));
  const pending = await queue.enqueue(job("pending"));
  await queue.cancel(old);
  await queue.cancel(fresh);
  const oldPath = join(queue.archiveDir, `${old}.json`);
  const record = JSON.parse(await Deno.readTextFile(oldPath));
  record.finished_at = new Date(Date.now() - 8 * 86_400_000).toISOString();
  await Deno.writeTextFile(oldPath, JSON.stringify(record));
  assert.deepEqual((await queue.clear({ maxAgeDays: 7 })).map((j) => j.id), [old]);
  assert.deepEqual((await queue.list()).map((j) => j.id), [fresh, pending]);
  assert.deepEqual((await queue.clear({ maxAgeDays: 0 })).map((j) => j.id), [fresh]);
  assert.deepEqual((await queue.list()).map((j) => j.id), [pending]);
});

Deno.test("a finished job a crash left in queue/ is moved to the archive by the next claim", async () => {
  const { queue, dir } = freshQueue();
  const id = await queue.enqueue(job("a"));
  await queue.claim("w");
  const record = JSON.parse(await Deno.readTextFile(join(dir, `${id}.json`)));
  record.status = "completed";
  record.finished_at = new Date().toISOString();
  await Deno.writeTextFile(join(dir, `${id}.json`), JSON.stringify(record));
  assert.equal(await new FsQueue(dir).claim("w"), null);
  assert.deepEqual(await names(dir), []);
  assert.deepEqual(await names(queue.archiveDir), [`${id}.json`]);
});

Deno.test("a live queue sees jobs another instance enqueues, in priority order", async () => {
  const { queue, dir } = freshQueue();
  const other = new FsQueue(dir);
  const normal1 = await queue.enqueue(job("n1"));
  const normal2 = await queue.enqueue(job("n2"));
  assert.equal((await queue.claim("w"))?.id, normal1);
  const urgent = await other.enqueue(job("urgent", { priority: 0 }));
  assert.equal((await queue.claim("w"))?.id, urgent);
  assert.equal((await other.claim("w"))?.id, normal2);
  assert.equal(await queue.claim("w"), null);
});

Deno.test("a pending job whose journal line was lost is still claimed", async () => {
  const { queue, dir } = freshQueue();
  const id = await queue.enqueue(job("a"));
  assert.equal((await queue.claim("w"))?.id, id);
  // As if a crash came between writing the file and its journal line: a job file the journal never mentions.
  const record = JSON.parse(await Deno.readTextFile(join(dir, `${id}.json`)));
  const lost = {
    ...record,
    id: "01jbh7ksq0a4mzd3g5tn2w8c6h",
    status: "pending",
    started_at: null,
    worker: null,
  };
  await Deno.writeTextFile(join(dir, `${lost.id}.json`), JSON.stringify(lost));
  assert.equal((await queue.claim("w"))?.id, lost.id);
});

Deno.test("after the journal is rotated every instance still claims each job once, in order", async () => {
  const dir = join(root.dir, "rotate", "queue");
  const a = new FsQueue(dir, { journalRotateBytes: 200 });
  const b = new FsQueue(dir, { journalRotateBytes: 200 });
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) ids.push(await (i % 2 ? a : b).enqueue(job(`j${i}`, { priority: 30 - i })));
  const claimed: string[] = [];
  for (let i = 0; i < 30; i++) claimed.push((await (i % 3 ? a : b).claim("w"))!.id);
  assert.deepEqual(claimed, [...ids].reverse());
  assert.equal(await a.claim("w"), null);
  assert.equal(await b.claim("w"), null);
});

Deno.test("bad fields are refused with the field named and nothing written", async () => {
  const { queue, dir } = freshQueue();
  const cases: [Partial<NewJob>, RegExp][] = [
    [{ priority: -1 }, /^priority must be a whole number >= 0, got -1$/],
    [{ priority: 1.5 }, /^priority must be a whole number >= 0, got 1.5$/],
    [{ timeout: 0 }, /^timeout must be a number of seconds > 0 and <= 2147483, got 0$/],
    [{ command: "  " }, /^command is empty$/],
    [{ max_retries: -2 }, /^max_retries must be a whole number >= 0, got -2$/],
  ];
  for (const [fields, message] of cases) {
    await assert.rejects(queue.enqueue(job("x", fields)), (error: unknown) => {
      assert.ok(error instanceof OrkError);
      assert.equal(error.code, "bad-input");
      assert.match(error.message, message);
      return true;
    });
  }
  assert.deepEqual(await names(dir), []);
});

Deno.test("record adds facts to a running job, and leaves a job alone once it is no longer running", async () => {
  const { queue } = freshQueue();
  const id = await queue.enqueue(job("a"));
  await queue.claim("w");
  const recorded = await queue.record(id, { worktree: "/wt", branch: "ork/x", base: "abc", pid: 42 });
  assert.deepEqual([recorded.status, recorded.worktree, recorded.branch, recorded.base, recorded.pid], [
    "running",
    "/wt",
    "ork/x",
    "abc",
    42,
  ]);
  await queue.cancel(id);
  const after = await queue.record(id, { worktree: "/other" });
  assert.deepEqual([after.status, after.worktree, after.pid], ["cancelled", "/wt", null]);
});

Deno.test("requeue puts a running job back to pending without spending a retry", async () => {
  const { queue } = freshQueue();
  const id = await queue.enqueue(job("a", { max_retries: 0 }));
  await queue.claim("w");
  const back = await queue.requeue(id, "runner stopped");
  assert.deepEqual([back.status, back.retry_count, back.error, back.worker], [
    "pending",
    0,
    "runner stopped",
    null,
  ]);
  assert.equal((await queue.claim("w"))?.id, id);
});

Deno.test("peek lists jobs without touching the lock or moving unreadable files", async () => {
  const { queue, dir } = freshQueue();
  const id = await queue.enqueue(job("a"));
  await Deno.writeTextFile(join(dir, "01jbh7ksq0a4mzd3g5tn2w8c6k.json"), "{torn");
  const lockPath = queue.lockPath;
  await Deno.remove(lockPath).catch(() => {});
  assert.deepEqual((await queue.peek()).map((j) => j.id), [id]);
  assert.deepEqual(await names(dir), ["01jbh7ksq0a4mzd3g5tn2w8c6k.json", `${id}.json`]);
  await assert.rejects(Deno.stat(lockPath), Deno.errors.NotFound);
});

Deno.test("a cancel that cannot move the job to the archive leaves the job exactly as it was", async () => {
  const { queue, dir } = freshQueue();
  const id = await queue.enqueue(job("a"));
  const file = join(dir, `${id}.json`);
  const before = await Deno.readTextFile(file);
  // The archive made unusable after the queue set up its folders: a file where the folder should be.
  await Deno.remove(queue.archiveDir);
  await Deno.writeTextFile(queue.archiveDir, "");
  await assert.rejects(() => queue.cancel(id), (error: unknown) => {
    assert.ok(error instanceof InputError);
    assert.equal(
      error.message,
      `could not move job ${id} to ${queue.archiveDir}: something in its path is not a folder; the job is unchanged`,
    );
    assert.match(
      error.hint,
      new RegExp(`^make ${queue.archiveDir} a folder again .*then run the command again$`),
    );
    return true;
  });
  assert.equal(await Deno.readTextFile(file), before, "the job's file must not be rewritten");
  assert.deepEqual(await names(dir), [`${id}.json`]);
  assert.equal(await Deno.readTextFile(queue.archiveDir), "");

  await Deno.remove(queue.archiveDir);
  await Deno.mkdir(queue.archiveDir);
  assert.equal((await queue.cancel(id)).status, "cancelled");
  assert.deepEqual(await names(dir), []);
  assert.deepEqual(await names(queue.archiveDir), [`${id}.json`]);
});

Deno.test("a job a crash left in both folders is read once, as archived, and a locked read settles it", async () => {
  const { queue, dir } = freshQueue();
  const id = await queue.enqueue(job("a"));
  const pending = await Deno.readTextFile(join(dir, `${id}.json`));
  await queue.cancel(id);
  // As if a crash came between writing the cancelled record into archive/ and removing the pending one.
  await Deno.writeTextFile(join(dir, `${id}.json`), pending);

  const fresh = new FsQueue(dir);
  assert.deepEqual((await fresh.peek()).map((j: Job) => [j.id, j.status]), [[id, "cancelled"]]);
  assert.equal(await fresh.statusOf(id), "cancelled");
  assert.deepEqual(await names(dir), [`${id}.json`], "looks without the lock move nothing");
  assert.equal(await fresh.claim("w"), null, "the cancelled job must not run");
  assert.deepEqual(await names(dir), []);
  assert.deepEqual((await fresh.list()).map((j: Job) => [j.id, j.status]), [[id, "cancelled"]]);

  // Found by id (cancel, get) it is the archived record too.
  await Deno.writeTextFile(join(dir, `${id}.json`), pending);
  assert.equal((await fresh.get(id)).status, "cancelled");
  assert.deepEqual(await names(dir), []);
});

Deno.test("a job file whose name is not the id inside it is quarantined with a warning", async () => {
  const { queue, dir, warnings } = freshQueue();
  const real = await queue.enqueue(job("real"));
  const misnamed = "01m86b0000dddd0000dddd0000";
  await Deno.copyFile(join(dir, `${real}.json`), join(dir, `${misnamed}.json`));
  assert.deepEqual((await queue.list()).map((j: Job) => j.id), [real]);
  assert.deepEqual(await names(queue.quarantineDir), [`${misnamed}.json`]);
  assert.deepEqual(warnings, [
    `quarantined ${join(dir, `${misnamed}.json`)} (moved to ${
      join(queue.quarantineDir, `${misnamed}.json`)
    }): ` +
    `its name says job ${misnamed} but the id in it is "${real}"`,
  ]);

  // Found by its name, it is no job either.
  await Deno.copyFile(join(dir, `${real}.json`), join(dir, `${misnamed}.json`));
  await assert.rejects(() => queue.cancel(misnamed), (error: unknown) => {
    return error instanceof OrkError && error.code === "job-not-found";
  });
  assert.equal((await queue.get(real)).status, "pending");
});

Deno.test("a job file that cannot be read is refused with one message naming it, and left in place", async () => {
  const { queue, dir } = freshQueue();
  await queue.enqueue(job("a"));
  // Root reads any file, so the unreadable file here is a folder in its place (chmod 000 is in the e2e tests).
  const id = "01m86b0000dddd0000dddd0000";
  await Deno.mkdir(join(dir, `${id}.json`));
  const before = await snapshot(dir);
  await assert.rejects(() => queue.cancel(id), (error: unknown) => {
    assert.ok(error instanceof InputError);
    assert.equal(error.message, `cannot read job file ${join(dir, `${id}.json`)}: it is a folder`);
    assert.equal(error.hint, `move it out of ${dir}: ork keeps each job in a regular file named <id>.json`);
    return true;
  });
  assert.deepEqual(await snapshot(dir), before);
  assert.deepEqual(await names(queue.quarantineDir), []);
});

Deno.test("a job parked until later is passed over by claim, spends no retry, and is claimed once its time passed", async () => {
  const { queue } = freshQueue();
  const parked = await queue.enqueue(job("parked", { priority: 1 }));
  const other = await queue.enqueue(job("other", { priority: 2 }));
  await queue.claim("w");
  const later = new Date(Date.now() + 3_600_000).toISOString();
  const back = await queue.requeue(parked, "usage limit", { parked_until: later });
  assert.deepEqual([back.status, back.retry_count, back.parked_until], ["pending", 0, later]);
  assert.equal(back.tries.at(-1)?.outcome, "parked");
  // The higher priority job waits; the other runs meanwhile.
  assert.equal((await queue.claim("w"))?.id, other);
  assert.equal(await queue.claim("w"), null);
  // Its time passed (the record says so): claimed, and no longer parked.
  const file = join(queue.dir, `${parked}.json`);
  const record = JSON.parse(await Deno.readTextFile(file));
  await Deno.writeTextFile(
    file,
    JSON.stringify({ ...record, parked_until: new Date(Date.now() - 1000).toISOString() }),
  );
  const claimed = await queue.claim("w");
  assert.equal(claimed?.id, parked);
  assert.equal(claimed?.parked_until, null);
});
