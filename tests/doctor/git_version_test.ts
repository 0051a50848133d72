import assert from "node:assert/strict";
import { GIT_NEEDS, gitVersionCheck, parseGitVersion } from "../../src/doctor/mod.ts";

Deno.test("parseGitVersion reads plain, Apple and Windows version lines", () => {
  assert.deepEqual(parseGitVersion("git version 2.39.5\n"), [2, 39, 5]);
  assert.deepEqual(parseGitVersion("git version 2.39.3 (Apple Git-146)\n"), [2, 39, 3]);
  assert.deepEqual(parseGitVersion("git version 2.45.1.windows.1\n"), [2, 45, 1]);
  assert.deepEqual(parseGitVersion("git version 3.0\n"), [3, 0, 0]);
  assert.equal(parseGitVersion("hub version 2.14.2\n"), null);
});

Deno.test("the minimum is the newest git feature ork uses: merge-tree --write-tree, git 2.38", () => {
  assert.deepEqual(GIT_NEEDS[0]!.version, [2, 38, 0]);
  assert.match(GIT_NEEDS[0]!.what, /merge-tree --write-tree/);
});

Deno.test("gitVersionCheck passes at the minimum and above", () => {
  assert.deepEqual(gitVersionCheck("git version 2.38.0\n"), {
    name: "git",
    status: "ok",
    message: "git 2.38 (ork needs 2.38 or newer)",
  });
  assert.equal(gitVersionCheck("git version 2.47.1\n").status, "ok");
  assert.equal(gitVersionCheck("git version 3.0.0\n").status, "ok");
});

Deno.test("gitVersionCheck fails below the minimum, naming only what needs the newer git", () => {
  assert.deepEqual(gitVersionCheck("git version 2.37.9\n"), {
    name: "git",
    status: "fail",
    message: "git 2.37.9 is too old: ork needs 2.38 or newer for git merge-tree --write-tree (landing a job)",
    fix: "install git 2.38 or newer (https://git-scm.com/downloads) and put it first on the PATH",
  });
  assert.equal(
    gitVersionCheck("git version 2.34.1\n").message,
    "git 2.34.1 is too old: ork needs 2.38 or newer for git merge-tree --write-tree (landing a job), " +
      "git worktree list -z (ork clean, reusing worktrees)",
  );
});

Deno.test("gitVersionCheck warns when the output holds no version", () => {
  const check = gitVersionCheck("something else\n");
  assert.equal(check.status, "warn");
  assert.equal(check.message, `cannot read a version in 'git --version' output: "something else"`);
});
