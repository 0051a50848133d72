import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { join, resolve } from "node:path";
import type { GateResult } from "../../gates/mod.ts";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import { ExitCode } from "../exit.ts";
import type { Output } from "../output.ts";
import { printJson, workspaceFor } from "../workspace.ts";
import { table } from "../table.ts";

/** A gate's wall time for people. */
function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The results as table lines: gate, result, time, and why a gate failed.
 *
 * @param results the gates' results, in order
 * @returns the lines, with a header
 */
export function gateLines(results: readonly GateResult[]): string[] {
  const rows = [["GATE", "RESULT", "TIME", ""]];
  for (const result of results) {
    const verdict = result.passed ? "passed" : result.required ? "FAILED" : "failed (optional)";
    rows.push([result.name, verdict, formatDuration(result.duration_ms), result.error ?? ""]);
  }
  return table(rows).map((line) => line.trimEnd());
}

/**
 * Copies a log file's new complete lines to stderr while gates write to it, so that a long test suite's
 * output shows as it comes.
 */
class LogTail {
  #offset = 0;
  #partial = "";
  #decoder = new TextDecoder();
  constructor(private readonly path: string, private readonly output: Output) {}

  async pump(final = false): Promise<void> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.path, { read: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    try {
      await file.seek(this.#offset, Deno.SeekMode.Start);
      const buffer = new Uint8Array(64 * 1024);
      for (;;) {
        const read = await file.read(buffer);
        if (read === null) break;
        this.#offset += read;
        this.#partial += this.#decoder.decode(buffer.subarray(0, read), { stream: true });
      }
    } finally {
      file.close();
    }
    const lines = this.#partial.split("\n");
    this.#partial = final ? "" : lines.pop() ?? "";
    if (final && lines.at(-1) === "") lines.pop();
    for (const line of lines) this.output.err(line);
  }
}

/** `ork gates`: the merge gates on the current checkout, as ork runs them before landing. */
export function gatesCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("gates")
    .description("run the merge gates on this checkout's changes; exit 0 only if every required gate passed")
    .argument("[names...]", "only these gates (default: every gate in merge_gates)")
    .option("--base <ref>", "compare with the merge base of <ref> and HEAD (default: the target branch)")
    .option("--staged", "check the staged changes (against HEAD unless --base), for a pre-commit hook")
    .option("--json", "print {base, staged, passed, gates} with one result per gate")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText(
      "after",
      // The examples come last, as in every command's help.
      "\nShell gates run their command in the repository's top folder, on the files as they are; the\n" +
        "secrets and file_size gates read only the change. Gate output goes to stderr, the table to stdout.\n" +
        examples(
          "ork gates                      # every gate, on what this checkout changes against the target branch",
          "ork gates no_secrets --staged  # one gate, on what 'git commit' would record",
          "ork gates --base origin/main   # in CI: what the branch adds to origin/main",
        ),
    )
    .action(async (names, opts) => {
      const ws = await workspaceFor(ctx, repoOption(opts, command.parent?.opts()));
      const { assertGatesRunnable, landingAllowed, runGates } = await import("../../gates/mod.ts");
      const { checkoutChange, selectGates } = await import("../../gates/checkout.ts");
      const gates = selectGates(ws.config.merge_gates, names);
      assertGatesRunnable(gates);
      const staged = opts.staged === true;
      // In a pre-commit hook git names the index being committed (a temporary one for `git commit -a`).
      const indexEnv = staged ? Deno.env.get("GIT_INDEX_FILE") : undefined;
      const { change, base, baseName } = await checkoutChange(ws.root, ws.config, {
        base: opts.base,
        staged,
        indexFile: indexEnv ? resolve(ctx.cwd, indexEnv) : undefined,
      });
      if (gates.length === 0) {
        if (opts.json) return printJson(ctx, { base, staged, passed: true, gates: [] });
        ctx.output.err("ork gates: no merge gates configured (merge_gates in config/orchestrator.yaml)");
        return;
      }
      const what = staged ? "staged changes" : "working tree";
      ctx.output.err(`ork gates: ${what} against ${baseName} (${base.slice(0, 12)})`);

      const logDir = await Deno.makeTempDir({ prefix: "ork-gates-" });
      const logPath = join(logDir, "gates.log");
      const tail = new LogTail(logPath, ctx.output);
      let pumping = Promise.resolve();
      const timer = setInterval(() => (pumping = pumping.then(() => tail.pump())), 100);
      let results: GateResult[];
      try {
        results = await runGates(gates, {
          cwd: ws.root,
          logPath,
          env: { ORK_BASE: base },
          change,
          keepGoing: true,
        });
      } finally {
        clearInterval(timer);
        await pumping;
        await tail.pump(true);
        await Deno.remove(logDir, { recursive: true });
      }
      const passed = landingAllowed(results, gates).allowed;
      ctx.exitCode = passed ? ExitCode.ok : ExitCode.failed;
      if (opts.json) return printJson(ctx, { base, staged, passed, gates: results });
      for (const line of gateLines(results)) ctx.output.out(line);
    });
  return command;
}
