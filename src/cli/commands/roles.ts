/**
 * `ork roles` lists the roles with their tools and the forbidden patterns; `ork roles check` says whether a
 * role may run a command line, without enqueueing it.
 *
 * @module
 */

import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { InputError } from "../../errors/mod.ts";
import type { OrkConfig, RoleConfig } from "../../config/mod.ts";
import { checkCommand, patternDescription, SHELL_BUILTINS } from "../../roles/mod.ts";
import { type CliContext, examples, REPO_FLAG, REPO_HELP } from "../context.ts";
import { ExitCode } from "../exit.ts";
import { printJson, workspaceFor } from "../workspace.ts";
import { table } from "../table.ts";

/** A forbidden pattern in `ork roles --json`: the regular expression and, for a default one, what it refuses. */
export interface PatternInfo {
  /** The JavaScript regular expression. */
  pattern: string;
  /** What it refuses, for the built-in patterns; null for the repository's own. */
  refuses: string | null;
}

/** What `ork roles --json` prints. */
export interface RolesReport {
  /** The roles by name, sorted, as configured. */
  roles: Record<string, RoleConfig>;
  /** The global forbidden patterns, refused for every role. */
  forbidden_patterns: PatternInfo[];
  /** The shell builtins every role may use. */
  builtins: string[];
}

/** The report `ork roles --json` prints, from the loaded config. */
export function rolesReport(config: OrkConfig): RolesReport {
  const roles: Record<string, RoleConfig> = {};
  for (const name of Object.keys(config.roles).sort()) roles[name] = config.roles[name]!;
  return {
    roles,
    forbidden_patterns: config.forbidden_patterns.map((pattern) => ({
      pattern,
      refuses: patternDescription(pattern) ?? null,
    })),
    builtins: [...SHELL_BUILTINS],
  };
}

/** The lines of `ork roles`: a table of roles, then the builtins and the forbidden patterns. */
function rolesText(report: RolesReport): string[] {
  const rows = [["ROLE", "DESCRIPTION", "ALLOWED TOOLS"]];
  for (const [name, role] of Object.entries(report.roles)) {
    rows.push([name, role.description, role.allowed_tools.join(", ") || "(none)"]);
  }
  const lines = table(rows);
  lines.push("", `every role may also use the shell builtins ${report.builtins.join(", ")}`);
  const patterns = (title: string, list: PatternInfo[]) => {
    if (list.length === 0) return;
    lines.push("", title);
    for (const { pattern, refuses } of list) {
      if (refuses !== null) lines.push(`  ${refuses}`, `      ${pattern}`);
      else lines.push(`  ${pattern}`);
    }
  };
  for (const [name, role] of Object.entries(report.roles)) {
    patterns(
      `forbidden for ${name}:`,
      role.forbidden_patterns.map((pattern) => ({ pattern, refuses: patternDescription(pattern) ?? null })),
    );
  }
  if (report.forbidden_patterns.length === 0) lines.push("", "no forbidden patterns for every role");
  patterns(
    "forbidden for every role (regular expressions matched anywhere in the command):",
    report.forbidden_patterns,
  );
  return lines;
}

/** The `--repo` given to `roles check`, to `roles`, or to `ork` itself, nearest first. */
function repoFrom(cmd: CommandUnknownOpts): string | undefined {
  for (let c: CommandUnknownOpts | null = cmd; c; c = c.parent) {
    const repo = c.opts().repo;
    if (typeof repo === "string") return repo;
  }
  return undefined;
}

function checkSubcommand(ctx: CliContext) {
  return new Command("check")
    .description("say whether a role may run a command line, without enqueueing it")
    .requiredOption("--role <role>", "the agent role (see config/agent_roles.yaml)")
    .requiredOption("--cmd <command>", "the shell command line, as given to ork enqueue")
    .option("--json", "print the verdict as JSON: allowed, role, tools, refusal (exit 0 or 2 all the same)")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText(
      "after",
      examples(
        `ork roles check --role bug-catcher --cmd "pytest -x && ruff check ."`,
        `ork roles check --role code-planner --cmd "git diff | grep TODO" --json`,
      ),
    )
    .action(async (opts, cmd) => {
      const ws = await workspaceFor(ctx, repoFrom(cmd));
      const verdict = await checkCommand(ws.config, opts.role, opts.cmd);
      // `ork roles check ... --json` hands --json to `roles`, which has the flag too.
      if (opts.json || cmd.parent?.opts().json === true) {
        printJson(ctx, verdict);
        if (!verdict.allowed) ctx.exitCode = ExitCode.badInput;
        return;
      }
      if (verdict.refusal !== null) throw new InputError(verdict.refusal.message, verdict.refusal.hint);
      const tools = verdict.tools.length > 0 ? ` (tools: ${verdict.tools.join(", ")})` : "";
      ctx.output.out(`allowed: role ${verdict.role} may run ${opts.cmd}${tools}`);
    });
}

/** `ork roles`: the roles, their tools and the forbidden patterns; `ork roles check` tests a command. */
export function rolesCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("roles")
    .description(
      "list the roles, their allowed tools and the forbidden patterns; 'roles check' tests a command",
    )
    .option("--json", "print {roles, forbidden_patterns, builtins}")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText(
      "after",
      examples(
        "ork roles",
        "ork roles --json | jq '.roles[\"bug-catcher\"].allowed_tools'",
        `ork roles check --role bug-catcher --cmd "pytest -x"`,
      ),
    )
    .action(async (opts, cmd) => {
      const ws = await workspaceFor(ctx, repoFrom(cmd));
      const report = rolesReport(ws.config);
      if (opts.json) return printJson(ctx, report);
      for (const line of rolesText(report)) ctx.output.out(line);
    });
  command.addCommand(checkSubcommand(ctx));
  return command;
}
