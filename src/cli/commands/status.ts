import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import type { StatusReport } from "../../runner/status.ts";
import type { TrainCar } from "../../runner/train_view.ts";
import type { TrainView } from "../../runner/train_view.ts";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import { style } from "../output.ts";
import { printJson, queueFor } from "../workspace.ts";
import { formatAge, table } from "../table.ts";
import { delay } from "../../time/mod.ts";

/** The status report as lines of text. */
export function statusLines(report: StatusReport, now: number = Date.now()): string[] {
  const lines: string[] = [];
  lines.push(
    report.runners.length === 0
      ? "runners: none"
      : `runners: ${
        report.runners.map((r) => `pid ${r.pid} since ${r.since} (${formatAge(r.since, now)})`).join("; ")
      }`,
  );
  if (report.paused !== null) {
    lines.push(`paused since ${report.paused.since}: runners claim no new job (ork resume)`);
  }
  if (report.parked.length > 0) {
    lines.push("parked after a usage limit (no retry spent):");
    lines.push(...table(report.parked.map((job) => [`  ${job.id}`, job.role, `until ${job.parked_until}`])));
  }
  if (report.running.length > 0) {
    lines.push("running:");
    const rows = report.running.map((job) => [
      `  ${job.id}`,
      job.role,
      formatAge(job.started_at ?? job.created_at, now),
      `sandbox ${job.sandbox ?? "not recorded"}`,
      job.worktree ?? "",
      job.environment ?? "",
    ]);
    lines.push(...table(rows));
  }
  for (const train of report.trains) lines.push(...trainLines(train, now));
  const c = report.counts;
  lines.push(
    `jobs: ${c.pending} pending, ${c.running} running, ${
      c.awaiting_review ? `${c.awaiting_review} awaiting review, ` : ""
    }${c.completed} completed, ${c.failed} failed, ` +
      `${c.cancelled} cancelled`,
  );
  if (report.landings.length > 0) {
    lines.push("last landings:");
    lines.push(
      ...table(report.landings.map((job) => [
        `  ${(job.landed_commit ?? "").slice(0, 12)}`,
        formatAge(job.finished_at ?? job.created_at, now) + " ago",
        job.id,
        `${job.role}: ${job.description}`,
      ])),
    );
  }
  return lines;
}

/**
 * A merge train as lines: one per candidate, head first, with what it is doing, what it is built on and the
 * jobs ahead whose work it holds.
 */
function trainLines(train: TrainView, now: number): string[] {
  const tip = train.tip === null ? "" : ` at ${train.tip.slice(0, 12)}`;
  const lines = [`train to ${train.target}${tip}:`];
  const rows = train.cars.map((car, index) => [
    `  ${index + 1}. ${car.job}`,
    car.state === "testing" && car.gate !== null
      ? `testing: gate ${car.gate.name} for ${formatAge(car.gate.since, now)}`
      : CAR_STATES[car.state],
    car.base === null ? "" : `on ${car.base.slice(0, 12)}`,
    car.holds.length === 0 ? "" : `holding ${car.holds.join(", ")}`,
    car.batch ? `batch of ${car.batch.join(", ")}` : "",
  ]);
  lines.push(...table(rows));
  return lines;
}

const CAR_STATES: Record<TrainCar["state"], string> = {
  waiting: "waiting to be built",
  testing: "testing",
  passed: "passed; lands after those ahead",
  failing: "failed; final once those ahead land",
  landing: "landing",
};

/** `ork status`: runners, running jobs, counts, last landings. */
export function statusCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("status")
    .description("show runners, running jobs, the merge train, counts per status and the last landings")
    .option("--json", "print {runners, running, counts, landings, trains, paused}")
    .option("--watch", "redraw every second until Ctrl-C (on a terminal)")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText("after", examples("ork status", "ork status --watch", "ork status --json | jq .counts"))
    .action(async (opts) => {
      const { ws, queue } = await queueFor(ctx, repoOption(opts, command.parent?.opts()));
      const { collectStatus } = await import("../../runner/status.ts");
      if (opts.json) return printJson(ctx, await collectStatus(ws, queue));
      if (!opts.watch || !Deno.stdout.isTerminal()) {
        for (const line of statusLines(await collectStatus(ws, queue))) ctx.output.out(line);
        return;
      }
      for (;;) {
        const lines = statusLines(await collectStatus(ws, queue));
        ctx.output.out(`\x1b[2J\x1b[H${style(ctx.output, "dim", `ork status, every 1s (Ctrl-C to stop)`)}`);
        for (const line of lines) ctx.output.out(line);
        await delay(1000);
      }
    });
  return command;
}
