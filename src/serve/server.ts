/**
 * `ork serve`: a dashboard on 127.0.0.1 for one repository. It reads the queue's files as `ork status` does, so it
 * works with no runner alive; its buttons call the same functions as `ork approve`, `reject`, `cancel` and
 * `retry`, and a runner picks up what they change. Every request needs the token (see `auth.ts`).
 *
 * @module
 */

import { basename } from "node:path";
import { InputError, messageOf, OrkError } from "../errors/mod.ts";
import { diffText } from "../git/mod.ts";
import { checkReason, FINISHED_STATUSES, type FsQueue, type Job } from "../queue/mod.ts";
import { jobChange, jobReport } from "../review/mod.ts";
import { cancelJob } from "../runner/clean.ts";
import { collectStatus } from "../runner/status.ts";
import type { Workspace } from "../workspace/mod.ts";
import { checkAccess, newToken } from "./auth.ts";
import { logEvents } from "./log_stream.ts";
import { ASSETS, page } from "./page.ts";

/** A dashboard that is serving. */
export interface Dashboard {
  /** The link to open: it carries the token. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Stops serving: open log streams end, then the server. */
  close(): Promise<void>;
}

/** An error's HTTP status by its code: what the CLI calls bad input is the request's fault. */
const HTTP_STATUS: Partial<Record<OrkError["code"], number>> = {
  "job-not-found": 404,
  "invalid-transition": 409,
  "bad-input": 400,
  "ambiguous-id": 400,
  "schema-too-new": 400,
  "lock-busy": 503,
};

/** The most finished jobs the page lists (the newest), and the most pending ones (the next to run). */
const MAX_LISTED = 500;

/**
 * Starts the dashboard.
 *
 * @param port 0 for any free port
 * @throws {InputError} when the port is taken or not allowed
 */
export function startDashboard(ws: Workspace, queue: FsQueue, port: number): Dashboard {
  const token = newToken();
  const streams = new AbortController();
  const overview = cachedState(ws, queue);
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve(
      { hostname: "127.0.0.1", port, onListen() {} },
      (request) =>
        answer(ws, queue, request, {
          port: server.addr.port,
          token,
          streams: streams.signal,
          state: overview,
        }),
    );
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new InputError(
        `--port ${port}: the port is in use`,
        "pick another, or --port 0 for any free one",
      );
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new InputError(
        `--port ${port}: not allowed to listen there`,
        "use a port above 1023, or --port 0",
      );
    }
    throw error;
  }
  const bound = server.addr.port;
  return {
    url: `http://127.0.0.1:${bound}/?token=${token}`,
    port: bound,
    async close() {
      streams.abort();
      await server.shutdown();
    },
  };
}

interface Context {
  readonly port: number;
  readonly token: string;
  readonly streams: AbortSignal;
  /** The overview, read at most once a second whatever the number of pages polling it. */
  readonly state: () => Promise<unknown>;
}

/** How long an overview read serves every page that asks (each reads every job file). */
const STATE_TTL_MS = 1000;

/** {@link state}, read again only once the last read is older than {@link STATE_TTL_MS}. */
function cachedState(ws: Workspace, queue: FsQueue): () => Promise<unknown> {
  let last: { at: number; value: Promise<unknown> } | null = null;
  return () => {
    if (last === null || performance.now() - last.at > STATE_TTL_MS) {
      const value = state(ws, queue);
      last = { at: performance.now(), value };
      // A failed read is not kept: the next ask tries again.
      value.catch(() => (last = null));
    }
    return last.value;
  };
}

async function answer(ws: Workspace, queue: FsQueue, request: Request, ctx: Context): Promise<Response> {
  const access = checkAccess(request, ctx.port, ctx.token);
  if (access.kind === "refused") return json({ error: `forbidden: ${access.why}` }, 403);
  if (access.kind === "login") {
    return new Response(null, { status: 303, headers: { location: "/", "set-cookie": access.cookie } });
  }
  try {
    return await route(ws, queue, request, ctx);
  } catch (error) {
    if (error instanceof OrkError) {
      return json(
        { error: error.message, hint: error.hint, code: error.code },
        HTTP_STATUS[error.code] ?? 500,
      );
    }
    return json({ error: `internal error: ${messageOf(error)}` }, 500);
  }
}

async function route(ws: Workspace, queue: FsQueue, request: Request, ctx: Context): Promise<Response> {
  const { pathname } = new URL(request.url);
  const asset = ASSETS[pathname];
  if (request.method === "GET" && asset) return text(asset.body, asset.type);
  if (request.method === "GET" && pathname === "/") {
    return text(page(basename(ws.root)), "text/html; charset=utf-8");
  }
  if (request.method === "GET" && pathname === "/api/state") return json(await ctx.state());
  const match = /^\/api\/jobs\/([0-9a-z]+)(?:\/([a-z]+))?$/.exec(pathname);
  if (match === null) return json({ error: `no such page: ${pathname}` }, 404);
  const [, id = "", what] = match;
  if (request.method === "GET") {
    const job = await queue.get(id);
    if (what === undefined) return json(await jobReport(ws.root, job));
    if (what === "diff") {
      const change = await jobChange(ws.root, job);
      const diff = await diffText(ws.root, change.from, change.to);
      return new Response(diff.text, {
        headers: {
          "content-type": "text/plain; charset=utf-8",
          ...(diff.truncated ? { "x-ork-truncated": "1" } : {}),
        },
      });
    }
    if (what === "log") {
      return new Response(logEvents(job.log_path ?? `${ws.paths.logs}/${job.id}.log`, ctx.streams), {
        headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
      });
    }
  }
  if (request.method === "POST" && what !== undefined) return json(await act(ws, queue, id, what, request));
  return json({ error: `no such page: ${request.method} ${pathname}` }, 404);
}

/** What a button does: the same call as the command of the same name. */
async function act(
  ws: Workspace,
  queue: FsQueue,
  id: string,
  action: string,
  request: Request,
): Promise<Job> {
  switch (action) {
    case "approve":
      return await queue.decide(id, { approve: true });
    case "reject":
      return await queue.decide(id, {
        approve: false,
        reason: checkReason((await bodyOf(request)).reason, "reason"),
      });
    case "cancel":
      return await cancelJob(ws, queue, id);
    case "retry":
      return await queue.retry(id);
  }
  throw new InputError(`no such action: ${action}`, "approve, reject, cancel or retry");
}

/** A request's JSON body (none: empty), or a refusal: a malformed one must change nothing. */
async function bodyOf(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (text.trim() === "") return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InputError("the request's body is not JSON", 'send {"reason": "..."} or nothing');
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new InputError("the request's body is not a JSON object", 'send {"reason": "..."} or nothing');
  }
  return body as Record<string, unknown>;
}

/** Everything the page's overview shows. */
async function state(ws: Workspace, queue: FsQueue): Promise<{ status: unknown; jobs: Job[] }> {
  const jobs = await queue.peek();
  const status = await collectStatus(ws, queue, 5, jobs);
  // Every job awaiting review or running; of the long lists, the next pending ones and the newest finished.
  const finished = jobs.filter((job) => FINISHED_STATUSES.has(job.status)).slice(-MAX_LISTED);
  const pending = jobs.filter((job) => job.status === "pending").slice(0, MAX_LISTED);
  const active = jobs.filter((job) => job.status === "running" || job.status === "awaiting_review");
  return { status, jobs: [...finished, ...active, ...pending].reverse() };
}

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
}

function text(body: string, type: string): Response {
  return new Response(body, { headers: { "content-type": type, "cache-control": "no-store" } });
}
