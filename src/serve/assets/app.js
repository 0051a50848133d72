// The dashboard's page: the queue, the train and one job at a time (its record, tries, gates, diff and live
// log), with the actions the CLI has. Plain script, no build step; every text goes in through textContent.
"use strict";

const view = { selected: null, log: null, lastState: "" };

/** Calls the dashboard's API; throws its one-line error. */
async function api(path, init) {
  const response = await fetch(path, init);
  if (!response.ok) {
    const body = await response.json().catch(() => ({ error: response.statusText }));
    throw new Error(body.error + (body.hint ? "; " + body.hint : ""));
  }
  return response;
}

/** An element with attributes and children (strings become text). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (key === "onclick") node.addEventListener("click", value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  }
  return node;
}

function age(iso) {
  if (!iso) return "";
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return seconds + "s";
  if (seconds < 3600) return Math.round(seconds / 60) + "m";
  if (seconds < 86400) return Math.round(seconds / 3600) + "h";
  return Math.round(seconds / 86400) + "d";
}

function say(text, bad) {
  const message = document.getElementById("message");
  message.textContent = text;
  message.className = bad ? "bad" : "";
}

async function refresh() {
  let state;
  try {
    state = await (await api("/api/state")).json();
  } catch (error) {
    return say(error.message, true);
  }
  const text = JSON.stringify(state);
  if (text === view.lastState) return;
  view.lastState = text;
  const { status, jobs } = state;
  const c = status.counts;
  document.getElementById("summary").replaceChildren(
    el(
      "span",
      {},
      c.pending + " pending, " + c.running + " running, " + c.awaiting_review + " awaiting review, " +
        c.completed + " completed, " + c.failed + " failed, " + c.cancelled + " cancelled",
    ),
    el(
      "span",
      { class: "runners" },
      status.runners.length === 0
        ? "no runner alive (ork run)"
        : status.runners.map((r) => r.name).join(", "),
    ),
    status.paused ? el("span", { class: "chip paused" }, "paused") : "",
  );
  const cars = status.trains.flatMap((train) => train.cars);
  document.getElementById("train").replaceChildren(
    cars.length === 0 ? "train: empty" : "train: ",
    ...cars.map((car) =>
      el(
        "span",
        { class: "chip " + car.state },
        car.job.slice(0, 10) + " " + car.state +
          (car.gate ? " (" + car.gate.name + ")" : ""),
      )
    ),
  );
  const rows = jobs.map((job) =>
    el(
      "tr",
      {
        "data-id": job.id,
        "data-status": job.status,
        class: job.id === view.selected ? "selected" : "",
        onclick: () => select(job.id),
      },
      el(
        "td",
        {},
        el("span", { class: "chip " + job.status }, job.status),
        job.parked_until
          ? el("span", { class: "chip parked" }, "parked until " + job.parked_until.slice(11, 16))
          : "",
      ),
      el("td", { class: "id" }, job.id.slice(0, 10)),
      el("td", {}, job.role),
      el("td", {}, age(job.created_at)),
      el("td", { class: "desc" }, job.description),
    )
  );
  document.getElementById("jobs").replaceChildren(...rows);
  if (view.selected) {
    const job = jobs.find((j) => j.id === view.selected);
    const shown = document.getElementById("detail").dataset.status;
    if (job && job.status !== shown) await select(view.selected, true);
  }
}

const ACTIONS = {
  approve: ["awaiting_review"],
  reject: ["awaiting_review"],
  cancel: ["pending", "running", "awaiting_review"],
  retry: ["failed"],
};

async function act(id, action) {
  const reason = document.getElementById("reason")?.value ?? "";
  try {
    const response = await api("/api/jobs/" + id + "/" + action, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(action === "reject" && reason.trim() !== "" ? { reason } : {}),
    });
    const job = await response.json();
    say(action + ": " + job.id + " is " + job.status, false);
  } catch (error) {
    say(error.message, true);
  }
  view.lastState = "";
  await refresh();
  await select(id, true);
}

function table(head, rows) {
  return el(
    "table",
    {},
    el("tr", {}, head.map((h) => el("th", {}, h))),
    rows.map((r) => el("tr", {}, r.map((v) => el("td", {}, v)))),
  );
}

async function select(id, keepLog) {
  view.selected = id;
  for (const row of document.querySelectorAll("#jobs tr")) {
    row.classList.toggle("selected", row.dataset.id === id);
  }
  let report;
  try {
    report = await (await api("/api/jobs/" + id)).json();
  } catch (error) {
    return say(error.message, true);
  }
  const { job, tries, gates, change } = report;
  const buttons = Object.entries(ACTIONS).filter(([, statuses]) => statuses.includes(job.status)).map((
    [action],
  ) => el("button", { "data-action": action, onclick: () => act(job.id, action) }, action));
  if (job.status === "awaiting_review") {
    buttons.push(el("input", { id: "reason", placeholder: "why (reject)" }));
  }
  const detail = document.getElementById("detail");
  detail.dataset.status = job.status;
  detail.replaceChildren(
    el("h2", {}, job.description),
    el(
      "p",
      {},
      el("span", { class: "chip " + job.status, id: "job-status" }, job.status),
      " ",
      job.id,
      job.error ? el("span", { class: "bad" }, " " + job.error) : "",
    ),
    el("div", { class: "actions" }, buttons),
    table(["", ""], [["role", job.role], ["command", job.command], ["branch", job.branch ?? ""], [
      "landed",
      job.landed_commit ?? "",
    ], ["retries", job.retry_count + " of " + job.max_retries]]),
    el("h3", {}, "tries"),
    table(
      ["#", "outcome", "error", "branch"],
      tries.map((t) => [t.try, t.outcome, t.error ?? "", t.branch ?? ""]),
    ),
    el("h3", {}, "gates"),
    table(
      ["gate", "result", "time"],
      gates.map((
        g,
      ) => [
        g.name,
        g.passed ? "passed" : "failed" + (g.error ? ": " + g.error : ""),
        (g.duration_ms / 1000).toFixed(1) + "s",
      ]),
    ),
    el("h3", {}, "change"),
    el("div", { id: "diff" }, "none" in change ? change.none : ""),
    el("h3", {}, "log"),
    el("pre", { id: "log" }),
  );
  if (!("none" in change)) {
    const response = await api("/api/jobs/" + id + "/diff");
    const text = await response.text();
    const target = document.getElementById("diff");
    new Diff2HtmlUI(target, text, {
      drawFileList: true,
      matching: "lines",
      outputFormat: "line-by-line",
      highlight: false,
    }).draw();
    if (response.headers.get("x-ork-truncated")) {
      target.prepend(el("p", { class: "bad" }, "the diff is cut: see ork diff " + id));
    }
  }
  if (view.log && (!keepLog || view.log.id !== id)) {
    view.log.source.close();
    view.log = null;
  }
  const pre = document.getElementById("log");
  if (view.log) pre.replaceWith(view.log.pre);
  else {
    const source = new EventSource("/api/jobs/" + id + "/log");
    source.onmessage = (event) => {
      for (const line of JSON.parse(event.data)) pre.append(el("div", { class: "line" }, line));
      pre.scrollTop = pre.scrollHeight;
    };
    view.log = { id, source, pre };
  }
}

refresh();
setInterval(refresh, 1000);
