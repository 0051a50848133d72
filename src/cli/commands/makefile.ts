/**
 * `ork makefile`: prints Make targets that wrap ork's commands (`make ork-enqueue ROLE=... DESC=... CMD=...`),
 * for teams whose habits go through make.
 *
 * @module
 */

import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { type CliContext, examples } from "../context.ts";
import { VERSION } from "../../version.ts";

/**
 * The Make targets. Values reach ork through the environment, taken with `$(value VAR)` so that make does not
 * expand them: `CMD='echo $HOME'` on make's command line arrives as typed, and the recipe quotes each one as
 * `"$$VAR"`, so no quote, space or `$` in DESC or CMD is ever parsed twice.
 *
 * @returns the makefile's text
 */
export function makefileText(): string {
  const tab = "\t";
  return [
    `# ork's Make targets, from \`ork makefile\` (ork ${VERSION}).`,
    "# Save them with `ork makefile > ork.mk` and add `include ork.mk` to your Makefile.",
    "#",
    "#   make ork-init                 # config/ and .ork/ in this repository",
    `#   make ork-enqueue ROLE=bug-catcher DESC='Fix the parser' CMD='pytest -k "parser"' PRIORITY=10`,
    "#   make ork-run WORKERS=3        # run jobs as they arrive, until Ctrl-C",
    "#   make ork-run-once             # run everything pending, then stop",
    "#   make ork-test                 # dry run: what would run, in order; changes nothing",
    "#   make ork-status               # runners, running jobs, counts, last landings",
    "#   make ork-clean                # remove what crashed or finished runners left behind",
    "#",
    "# ORK is how to start ork (default: ork on the PATH). ROLE, DESC, CMD, PRIORITY and WORKERS reach ork",
    "# through the environment as typed: make does not expand them, and the shell does not split them.",
    "",
    "ORK ?= ork",
    "",
    ".PHONY: ork-init ork-enqueue ork-run ork-run-once ork-test ork-status ork-clean",
    "",
    "ork-init:",
    `${tab}$(ORK) init`,
    "",
    "ork-enqueue: export ORK_MK_ROLE = $(value ROLE)",
    "ork-enqueue: export ORK_MK_DESC = $(value DESC)",
    "ork-enqueue: export ORK_MK_CMD = $(value CMD)",
    "ork-enqueue: export ORK_MK_PRIORITY = $(value PRIORITY)",
    "ork-enqueue:",
    `${tab}@if [ -z "$$ORK_MK_ROLE" ] || [ -z "$$ORK_MK_DESC" ] || [ -z "$$ORK_MK_CMD" ]; then \\`,
    `${tab}  echo "usage: make ork-enqueue ROLE=<role> DESC='<description>' CMD='<command>' [PRIORITY=<n>]" >&2; \\`,
    `${tab}  exit 2; \\`,
    `${tab}fi`,
    `${tab}$(ORK) enqueue --role "$$ORK_MK_ROLE" --desc "$$ORK_MK_DESC" --cmd "$$ORK_MK_CMD" \\`,
    `${tab}  --priority "$\${ORK_MK_PRIORITY:-50}"`,
    "",
    "ork-run: export ORK_MK_WORKERS = $(value WORKERS)",
    "ork-run:",
    `${tab}$(ORK) run $\${ORK_MK_WORKERS:+--workers "$$ORK_MK_WORKERS"}`,
    "",
    "ork-run-once: export ORK_MK_WORKERS = $(value WORKERS)",
    "ork-run-once:",
    `${tab}$(ORK) run --once $\${ORK_MK_WORKERS:+--workers "$$ORK_MK_WORKERS"}`,
    "",
    "ork-test:",
    `${tab}$(ORK) run --dry-run`,
    "",
    "ork-status:",
    `${tab}$(ORK) status`,
    "",
    "ork-clean:",
    `${tab}$(ORK) clean`,
    "",
  ].join("\n");
}

/** `ork makefile`: prints the Make targets. */
export function makefileCommand(ctx: CliContext): CommandUnknownOpts {
  return new Command("makefile")
    .description("print Make targets for ork (ork-init, ork-enqueue, ork-run, ...) to include in a Makefile")
    .addHelpText(
      "after",
      // The make lines come before the examples, which are ork's own command lines, as in every command's help.
      "\nWith 'include ork.mk' in the Makefile:\n" +
        `  make ork-enqueue ROLE=style-warden DESC="Format" CMD="deno fmt"\n` +
        "  make ork-run-once ORK=./scripts/ork\n" +
        examples(
          "ork makefile > ork.mk          # then add 'include ork.mk' to your Makefile",
          "ork makefile > ork.mk && echo 'include ork.mk' >> Makefile",
        ),
    )
    .action(() => {
      ctx.output.out(makefileText().replace(/\n$/, ""));
    });
}
