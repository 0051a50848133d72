import assert from "node:assert/strict";
import { join } from "node:path";
import {
  addedText,
  changedFiles,
  diffText,
  emptyTree,
  fileSizes,
  hooksDir,
  mergeBase,
} from "../../src/git/mod.ts";
import { parsePatch } from "../../src/git/patch.ts";
import { git, tempRepo } from "../helpers/mod.ts";
import { commitOn } from "./_repo.ts";

Deno.test("changedFiles lists added and changed files of two commits, not deleted ones", async () => {
  await using repo = await tempRepo();
  const base = await commitOn(repo.dir, await git(repo.dir, "rev-parse", "HEAD"), {
    "a.txt": "a\n",
    "b.txt": "b\n",
  });
  const head = await commitOn(repo.dir, base, { "a.txt": "a2\n", "b.txt": null, "c/d.txt": "d\n" });
  const files = await changedFiles(repo.dir, { kind: "commits", base, head });
  assert.deepEqual(files.map((f) => [f.path, f.status, f.mode, f.untracked]), [
    ["a.txt", "modified", "100644", false],
    ["c/d.txt", "added", "100644", false],
  ]);
  assert.ok(files.every((f) => /^[0-9a-f]{40}$/.test(f.oid ?? "")));
  const sizes = await fileSizes(repo.dir, files);
  assert.deepEqual([...sizes], [["a.txt", 3], ["c/d.txt", 2]]);
});

Deno.test("addedText gives the added lines with their line numbers, hunks apart", async () => {
  await using repo = await tempRepo();
  const lines = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`);
  const base = await commitOn(repo.dir, await git(repo.dir, "rev-parse", "HEAD"), {
    "f.txt": lines.join("\n") + "\n",
  });
  const changed = [...lines];
  changed[1] = "changed 2";
  changed.splice(6, 0, "inserted after 6", "++ starts like a header");
  const head = await commitOn(repo.dir, base, { "f.txt": changed.join("\n") + "\n", "new.txt": "one\ntwo" });
  const source = { kind: "commits", base, head } as const;
  const added = await addedText(repo.dir, source, await changedFiles(repo.dir, source));
  assert.deepEqual(added, [
    {
      path: "f.txt",
      text: "changed 2\n\ninserted after 6\n++ starts like a header",
      lines: [2, 0, 7, 8],
      binary: false,
    },
    { path: "new.txt", text: "one\ntwo", lines: [1, 2], binary: false },
  ]);
});

Deno.test("addedText reads paths with spaces, tabs, quotes and non-ASCII letters", async () => {
  await using repo = await tempRepo();
  const names = ["with space.txt", "tab\there.txt", 'quo"te.txt', "back\\slash.txt", "café/naïve ü.txt"];
  const files = Object.fromEntries(names.map((name, i) => [name, `content ${i}\n`]));
  const head = await commitOn(repo.dir, await git(repo.dir, "rev-parse", "HEAD"), files);
  const source = { kind: "commits", base: "HEAD", head } as const;
  const added = await addedText(repo.dir, source, await changedFiles(repo.dir, source));
  assert.deepEqual(
    added.map((a) => [a.path, a.text]).sort(),
    names.map((n, i) => [n, `content ${i}`]).sort(),
  );
});

Deno.test("parsePatch keeps reading after a file without hunks and a missing newline", () => {
  const patch = [
    "diff --git a/x b/x",
    "old mode 100644",
    "new mode 100755",
    "diff --git a/y b/y",
    "index 1..2 100644",
    "--- a/y",
    "+++ b/y",
    "@@ -1 +1,2 @@",
    "-old",
    "+new",
    "+last",
    "\\ No newline at end of file",
    "diff --git a/z b/z",
    "deleted file mode 100644",
    "--- a/z",
    "+++ /dev/null",
    "@@ -1 +0,0 @@",
    "-gone",
    "",
  ].join("\n");
  assert.deepEqual(parsePatch(patch), [{ path: "y", text: "new\nlast", lines: [1, 2], binary: false }]);
});

Deno.test("a worktree change has the untracked files that are not ignored; sizes come from the files", async () => {
  await using repo = await tempRepo();
  await Deno.writeTextFile(join(repo.dir, ".gitignore"), "*.log\n");
  await Deno.writeTextFile(join(repo.dir, "README.md"), "# changed\n");
  await Deno.writeTextFile(join(repo.dir, "new.txt"), "12345");
  await Deno.writeTextFile(join(repo.dir, "debug.log"), "ignored");
  const source = { kind: "worktree", base: "HEAD" } as const;
  const files = await changedFiles(repo.dir, source);
  assert.deepEqual(files.map((f) => [f.path, f.status, f.oid, f.untracked]), [
    ["README.md", "modified", null, false],
    [".gitignore", "added", null, true],
    ["new.txt", "added", null, true],
  ]);
  assert.equal((await fileSizes(repo.dir, files)).get("new.txt"), 5);
  const added = await addedText(repo.dir, source, files);
  assert.deepEqual(added.map((a) => [a.path, a.text]), [["README.md", "# changed"], [".gitignore", "*.log"], [
    "new.txt",
    "12345",
  ]]);
});

Deno.test("emptyTree, mergeBase and hooksDir answer as git does", async () => {
  await using repo = await tempRepo();
  assert.equal(await emptyTree(repo.dir), "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
  const root = await git(repo.dir, "rev-parse", "HEAD");
  const a = await commitOn(repo.dir, root, { "a": "a" });
  const b = await commitOn(repo.dir, root, { "b": "b" });
  assert.equal(await mergeBase(repo.dir, a, b), root);
  const orphan = await git(repo.dir, "commit-tree", await git(repo.dir, "write-tree"), "-m", "orphan");
  assert.equal(await mergeBase(repo.dir, a, orphan), null);
  assert.equal(await hooksDir(repo.dir), join(repo.dir, ".git", "hooks"));
  await git(repo.dir, "config", "core.hooksPath", "tools/hooks");
  assert.equal(await hooksDir(repo.dir), join(repo.dir, "tools", "hooks"));
});

Deno.test("diffText gives a diff whole, or its start cut at a line's end with git stopped, and refuses an unknown commit", async () => {
  await using repo = await tempRepo();
  const base = await git(repo.dir, "rev-parse", "HEAD");
  const lines = Array.from({ length: 100_000 }, (_, i) => `line ${i}`).join("\n") + "\n";
  const head = await commitOn(repo.dir, base, { "big.txt": lines, "small.txt": "s\n" });
  const whole = await diffText(repo.dir, base, head);
  assert.equal(whole.truncated, false);
  assert.match(whole.text, /^diff --git a\/big.txt b\/big.txt\n/);
  assert.match(whole.text, /\n\+line 99999\n/);
  const cut = await diffText(repo.dir, base, head, 1000);
  assert.equal(cut.truncated, true);
  assert.ok(cut.text.length <= 1000 && cut.text.endsWith("\n"), cut.text.slice(-40));
  assert.equal(whole.text.startsWith(cut.text), true);
  await assert.rejects(
    diffText(repo.dir, base, "0".repeat(40)),
    /git diff .* failed|bad object|unknown revision/,
  );
});
