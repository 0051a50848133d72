/**
 * `ork doctor`: every check in a fixed order. Doctor reads and never writes (no config cache, no lock taken,
 * no job moved), and never stops at the first problem: a check that cannot be made says what it needs.
 *
 * @module
 */

import { DEFAULT_CONFIG } from "../config/mod.ts";
import { orkPaths, type Workspace } from "../workspace/mod.ts";
import { type Check, type DoctorReport, guarded, reportOf, skipped } from "./check.ts";
import { checkConfig } from "./config.ts";
import { checkDisk } from "./disk.ts";
import { checkGit } from "./git_version.ts";
import { checkLeftovers, LEFTOVER_CHECKS } from "./leftovers.ts";
import { checkInit, checkRepository, checkTarget } from "./repo.ts";
import { checkIsolation, checkSandbox } from "./sandbox.ts";

/** The checks that need a repository, after `repository` itself, in order. */
const REPO_CHECKS = [
  "init",
  "config/orchestrator.yaml",
  "config/agent_roles.yaml",
  "target-branch",
] as const;

/**
 * Checks everything ork needs in the repository at `repo` (as `git -C`), or the one containing `cwd`.
 *
 * @param opts `repo`: the `-C/--repo` value; `cwd`: where ork was started
 * @returns the checks, in a fixed order: git, repository, init, the two config files, target-branch, sandbox,
 *   isolation, disk, locks, worktrees, jobs; `ok` is false when one failed
 */
export async function runDoctor(opts: { repo?: string; cwd: string }): Promise<DoctorReport> {
  const git = checkGit(); // started now, waited for below: it runs while the repository is looked at
  const { check: repository, root } = checkRepository(opts);
  if (root === null) {
    const needs = "a git repository";
    const [gitCheck, sandbox] = await Promise.all([
      git,
      guardedOne("sandbox", () => checkSandbox(DEFAULT_CONFIG.orchestrator.sandbox)),
    ]);
    return reportOf([
      gitCheck.check,
      repository,
      ...REPO_CHECKS.map((name) => skipped(name, needs)),
      sandbox,
      skipped("isolation", needs),
      skipped("disk", needs),
      ...LEFTOVER_CHECKS.map((name) => skipped(name, needs)),
    ]);
  }

  const config = await checkConfig(root);
  const ws: Workspace = { root, config: config.config, paths: orkPaths(root, config.config) };
  // With config/orchestrator.yaml broken, the settings below are the defaults; its own check says why.
  const note = config.settingsAreDefaults
    ? "; default settings, as config/orchestrator.yaml did not load"
    : "";
  const withNote = (check: Check): Check =>
    check.status === "skip" ? check : { ...check, message: check.message + note };
  const [gitCheck, init] = await Promise.all([git, checkInit(ws)]);

  const sandbox = guardedOne("sandbox", () => checkSandbox(ws.config.orchestrator.sandbox));
  const isolation = guardedOne("isolation", () => checkIsolation(ws));
  const disk = guardedOne("disk", () => checkDisk(root, ws.paths.worktrees));
  const target = gitCheck.found
    ? guardedOne("target-branch", () => checkTarget(ws))
    : Promise.resolve(skipped("target-branch", "git"));
  const leftovers = target.then((targetCheck) => {
    if (!gitCheck.found) return LEFTOVER_CHECKS.map((name) => skipped(name, "git"));
    if (!init.initialised) return LEFTOVER_CHECKS.map((name) => skipped(name, "'ork init'"));
    // ork clean, whose dry run finds these, stops without a target branch; so would its fix.
    if (targetCheck.status === "fail") return LEFTOVER_CHECKS.map((name) => skipped(name, "a target branch"));
    return guarded(LEFTOVER_CHECKS, () => checkLeftovers(ws));
  });

  return reportOf([
    gitCheck.check,
    repository,
    init.check,
    ...config.checks,
    withNote(await target),
    withNote(await sandbox),
    withNote(await isolation),
    withNote(await disk),
    ...(await leftovers),
  ]);
}

async function guardedOne(name: string, look: () => Promise<Check>): Promise<Check> {
  const [check] = await guarded([name], async () => [await look()]);
  return check!;
}
