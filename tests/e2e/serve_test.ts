/**
 * `ork serve` over HTTP: the token on every request (link, cookie, bearer), the Host and Origin checks, the
 * overview with no runner alive, a job's report, diff and log, the buttons' calls (approve lands at the next
 * run), and its refusals: a bad or taken port, exit 2 in one line.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { git, ork } from "../helpers/mod.ts";
import { runFixture } from "./_setup.ts";
import { serve } from "./_serve.ts";

Deno.test("the dashboard answers only with its token, from its own Host, and changes only from its own page", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  await using d = await serve(s.dir);
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${d.base}${path}`, { headers, redirect: "manual" }).then(async (r) => ({
      status: r.status,
      body: await r.text(),
      cookie: r.headers.get("set-cookie"),
    }));
  assert.equal((await get("/api/state")).status, 403);
  assert.equal((await get("/")).status, 403);
  assert.match((await get("/")).body, /open the link ork serve printed/);
  assert.equal((await get("/api/state", { authorization: "Bearer 0123" })).status, 403);
  assert.equal((await get("/?token=0123")).status, 403);
  const login = await get(`/?token=${d.token}`);
  assert.equal(login.status, 303);
  assert.equal(login.cookie, `ork_token_${d.port}=${d.token}; Path=/; HttpOnly; SameSite=Strict`);
  const cookie = `ork_token_${d.port}=${d.token}`;
  const page = await get("/", { cookie });
  assert.equal(page.status, 200);
  assert.match(page.body, /<script src="\/assets\/app.js"/);
  assert.equal((await get("/assets/diff2html.js", { cookie })).status, 200);
  // A name pointed at 127.0.0.1 by another site (DNS rebinding) is not this dashboard.
  assert.match(await rawGet(d.port, "evil.example", cookie), /^HTTP\/1.1 403/);
  assert.match(await rawGet(d.port, `127.0.0.1:${d.port}`, cookie), /^HTTP\/1.1 200/);
  const id = await s.enqueue("to cancel", "echo x > x.txt");
  const post = (headers: Record<string, string>) =>
    fetch(`${d.base}/api/jobs/${id}/cancel`, { method: "POST", headers }).then(async (r) => ({
      status: r.status,
      body: await r.json(),
    }));
  // The cookie alone, from a page elsewhere: refused; from the dashboard's page: done.
  assert.equal((await post({ cookie })).status, 403);
  assert.equal((await post({ cookie, origin: "http://evil.example" })).status, 403);
  assert.equal((await s.queue.get(id)).status, "pending");
  const done = await post({ cookie, origin: d.base });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal(done.body.status, "cancelled");
  assert.equal((await s.queue.get(id)).status, "cancelled");
});

Deno.test("with no runner alive the overview lists the jobs; approve from the API lands at the next run; refusals are JSON", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  const id = await s.enqueue("reviewed", "echo hello > hello.txt; echo said hello", "--review");
  assert.equal((await s.run("--once")).code, 0);
  await using d = await serve(s.dir);
  const state = await (await d.api("/api/state")).json();
  assert.deepEqual(state.status.runners, []);
  assert.equal(state.status.counts.awaiting_review, 1);
  assert.deepEqual(state.jobs.map((job: { id: string }) => job.id), [id]);
  const report = await (await d.api(`/api/jobs/${id.slice(0, 10)}`)).json();
  assert.equal(report.job.status, "awaiting_review");
  assert.deepEqual(report.change.files, [{ path: "hello.txt", added: 1, deleted: 0 }]);
  const diff = await (await d.api(`/api/jobs/${id}/diff`)).text();
  assert.match(diff, /^diff --git a\/hello.txt b\/hello.txt\n/);
  assert.match(diff, /\n\+hello\n/);
  // The log as server-sent events: its lines so far, as JSON arrays.
  const log = await d.api(`/api/jobs/${id}/log`);
  assert.equal(log.headers.get("content-type"), "text/event-stream");
  const reader = log.body!.pipeThrough(new TextDecoderStream()).getReader();
  let events = "";
  while (!events.includes("said hello")) events += (await reader.read()).value ?? "";
  await reader.cancel();
  assert.match(events, /^data: \["== ork: job /);

  const unknown = await d.api("/api/jobs/zzzz/approve", { method: "POST" });
  assert.equal(unknown.status, 404);
  assert.match((await unknown.json()).error, /zzzz/);
  const wrong = await d.api(`/api/jobs/${id}/retry`, { method: "POST" });
  assert.equal(wrong.status, 400);
  assert.match((await wrong.json()).error, /is awaiting_review; only a failed job can be retried/);
  assert.equal((await s.queue.get(id)).status, "awaiting_review");
  const approve = await d.api(`/api/jobs/${id}/approve`, { method: "POST" });
  assert.equal(approve.status, 200);
  assert.equal((await approve.json()).status, "pending");
  assert.equal((await s.run("--once")).code, 0);
  assert.equal((await s.queue.get(id)).status, "completed");
  assert.equal(await s.show("hello.txt"), "hello");
});

Deno.test("serve refuses a port out of range, not a number, or taken, in one line, exit 2", async () => {
  await using s = await runFixture();
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = String(taken.addr.port);
  for (
    const [value, message] of [
      ["70000", /--port must be a whole number from 0 to 65535, got "70000"/],
      ["http", /--port must be a whole number from 0 to 65535, got "http"/],
      [port, new RegExp(`--port ${port}: the port is in use; pick another, or --port 0 for any free one`)],
    ] as const
  ) {
    const result = await ork(["serve", "--port", value], { cwd: s.dir });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    assert.equal(result.stdout, "");
  }
  assert.equal(await git(s.dir, "status", "--porcelain"), "");
});

/** A GET of `/api/state` with the `Host` header given, over a plain socket (fetch would set its own). */
async function rawGet(port: number, host: string, cookie: string): Promise<string> {
  using conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const request =
    `GET /api/state HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`;
  await conn.write(new TextEncoder().encode(request));
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(4096);
  for (;;) {
    const count = await conn.read(buffer);
    if (count === null) break;
    chunks.push(buffer.slice(0, count));
  }
  return new TextDecoder().decode(new Uint8Array(chunks.flatMap((chunk) => [...chunk])));
}

Deno.test("the dashboard: a malformed reject changes nothing; a job awaiting review is listed behind 500 pending ones", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  const id = await s.enqueue("reviewed", "echo r > r.txt", "--review", "--priority", "0");
  assert.equal((await s.run("--once")).code, 0);
  for (let i = 0; i < 510; i++) {
    s.queue.enqueueSync({ role: "tester", description: `p${i}`, command: "true" });
  }
  await using d = await serve(s.dir);
  const state = await (await d.api("/api/state")).json();
  assert.ok(state.jobs.some((job: { id: string }) => job.id === id), "the job awaiting review is not listed");
  assert.equal(state.jobs.filter((job: { status: string }) => job.status === "pending").length, 500);
  for (const body of ['{"reason": 5}', "not json{", "[]", '{"reason": "two\\nlines"}']) {
    const response = await d.api(`/api/jobs/${id}/reject`, { method: "POST", body });
    assert.equal(response.status, 400, body);
    assert.match((await response.json()).error, /reason must be one line of text|not JSON|not a JSON object/);
  }
  assert.equal((await s.queue.get(id)).status, "awaiting_review");
  const rejected = await d.api(`/api/jobs/${id}/reject`, { method: "POST", body: '{"reason": "too big"}' });
  assert.equal((await rejected.json()).error, "rejected: too big");
});

Deno.test("a job's log streams in bounded pieces: a line without end is cut, and what follows it still comes", async () => {
  await using s = await runFixture("", { sandbox: "off" });
  const id = await s.enqueue("quiet", "true");
  const log = join(s.dir, ".ork/logs", `${id}.log`);
  await Deno.mkdir(join(s.dir, ".ork/logs"), { recursive: true });
  await Deno.writeTextFile(log, "first\n");
  await using d = await serve(s.dir);
  const response = await d.api(`/api/jobs/${id}/log`);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const until = async (text: string) => {
    while (!seen.includes(text)) seen += (await reader.read()).value ?? "";
  };
  await until('"first"');
  // A progress bar that never ends its line, 600 KB of it, then a line.
  await Deno.writeTextFile(log, "x".repeat(600_000) + "\nafter\n", { append: true });
  await until('"after"');
  await reader.cancel();
  assert.match(seen, /"x{16384} \[cut\]"/);
  assert.ok(seen.length < 100_000, `sent ${seen.length} characters`);
});
