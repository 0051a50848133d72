import assert from "node:assert/strict";
import { join } from "node:path";
import type { Job } from "../../src/queue/mod.ts";
import {
  DENO_JSON,
  exists,
  git,
  MAIN_TS,
  ork,
  processRunning,
  run,
  snapshot,
  spawnOrk,
  waitFor,
} from "../helpers/mod.ts";
import { runFixture as setup, TESTER_TOOLS, worktreeCount } from "./_setup.ts";

/** Commits `shared.txt` ("zero") on main: the line two jobs then fight over. */
async function commitSharedFile(repo: string): Promise<void> {
  await Deno.writeTextFile(join(repo, "shared.txt"), "zero\n");
  await git(repo, "add", "shared.txt");
  await git(repo, "commit", "--quiet", "-m", "shared");
}

const orkBranches = async (repo: string) =>
  await git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/ork/");

Deno.test("three jobs on three workers run at the same time, all land, and nothing of them is left", async () => {
  await using s = await setup("", { sandbox: "off" });
  const ids: string[] = [];
  for (const n of [1, 2, 3]) {
    ids.push(
      await s.enqueue(
        `write f${n}`,
        `date +%s%N > ${s.trace}/start-${n}; sleep 1; echo ${n} > f${n}.txt; ` +
          `env | grep ^ORK_ > ${s.trace}/env-${n}; date +%s%N > ${s.trace}/end-${n}`,
      ),
    );
  }
  const result = await s.run("--once", "--workers", "3");
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^ork run: 3 completed, 0 failed$/m);
  const read = (name: string) => Deno.readTextFile(join(s.trace, name)).then(Number);
  const starts = await Promise.all([1, 2, 3].map((n) => read(`start-${n}`)));
  const ends = await Promise.all([1, 2, 3].map((n) => read(`end-${n}`)));
  assert.ok(Math.max(...starts) < Math.min(...ends), "the three jobs overlapped in time");
  for (const n of [1, 2, 3]) assert.equal(await s.show(`f${n}.txt`), String(n));
  for (const id of ids) {
    const job = await s.queue.get(id);
    assert.equal(job.status, "completed");
    assert.match(job.landed_commit ?? "", /^[0-9a-f]{40}$/);
    assert.deepEqual(job.result, { landed: true, gates: [] });
  }
  const env = await Deno.readTextFile(join(s.trace, "env-1"));
  assert.match(env, new RegExp(`^ORK_JOB_ID=${ids[0]}$`, "m"));
  assert.match(env, /^ORK_ROLE=tester$/m);
  assert.match(env, new RegExp(`^ORK_ALLOWED_TOOLS=${TESTER_TOOLS.join(",")}$`, "m"));
  assert.match(env, /^ORK_BASE=[0-9a-f]{40}$/m);
  assert.match(env, /^ORK_WORKTREE=.*\/\.ork\/worktrees\/ork-tester-\d+-[0-9a-z]{8}$/m);
  assert.equal(await worktreeCount(s.dir), 1);
  assert.equal(await orkBranches(s.dir), "");
  // The user's checkout (on main) was brought forward too.
  assert.equal(await Deno.readTextFile(join(s.dir, "f2.txt")), "2\n");
  const subject = await git(
    s.dir,
    "log",
    "-1",
    "--format=%B",
    `${(await s.queue.get(ids[0]!)).landed_commit}^2`,
  );
  assert.match(subject, new RegExp(`^tester: write f1\\n\\nOrk-Job: ${ids[0]}$`));
});

Deno.test("two jobs editing the same line: one lands, the other is re-run from the new tip, never a conflict marker", async () => {
  await using s = await setup();
  await commitSharedFile(s.dir);
  const a = await s.enqueue("say one", "sleep 0.5; echo one > shared.txt", "--max-retries", "1");
  const b = await s.enqueue("say two", "sleep 0.5; echo two > shared.txt", "--max-retries", "1");
  const result = await s.run("--once", "--workers", "2");
  assert.equal(result.code, 0, result.stderr);
  const jobs = await Promise.all([a, b].map((id) => s.queue.get(id)));
  assert.deepEqual(jobs.map((j: Job) => j.status), ["completed", "completed"]);
  assert.deepEqual(jobs.map((j) => j.retry_count).sort(), [0, 1], "the loser ran again once");
  assert.match(await s.show("shared.txt"), /^(one|two)$/);
  assert.equal(await git(s.dir, "grep", "-c", "<<<<<<<", "main").catch(() => ""), "");
});

Deno.test("when another job landed meanwhile, the gates see the candidate with its work, not the job's own tree", async () => {
  // Every gate needs first.txt: only the candidate of the second job (started before the first landed) has it.
  await using s = await setup("merge_gates:\n  - name: first-is-there\n    command: test -f first.txt\n");
  const first = await s.enqueue("first", "echo 1 > first.txt");
  // It waits until the first has landed (main's files are in the git dir the sandbox shows): no race.
  const second = await s.enqueue(
    "second",
    "until git cat-file -e main:first.txt 2>/dev/null; do sleep 0.05; done; echo 2 > second.txt",
  );
  const result = await s.run("--once", "--workers", "2");
  assert.equal(result.code, 0, result.stderr);
  for (const id of [first, second]) {
    const job = await s.queue.get(id);
    assert.equal(job.status, "completed", job.error ?? "");
    assert.equal(job.retry_count, 0);
  }
  assert.equal(await s.show("first.txt"), "1");
  assert.equal(await s.show("second.txt"), "2");
});

Deno.test("with no retries left, a conflicting job fails naming the file, and main never gets a conflict", async () => {
  await using s = await setup();
  await commitSharedFile(s.dir);
  const ids = [
    await s.enqueue("say one", "sleep 0.5; echo one > shared.txt", "--max-retries", "0"),
    await s.enqueue("say two", "sleep 0.5; echo two > shared.txt", "--max-retries", "0"),
  ];
  const result = await s.run("--once", "--workers", "2");
  assert.equal(result.code, 1);
  const jobs = await Promise.all(ids.map((id) => s.queue.get(id)));
  const failed = jobs.filter((j) => j.status === "failed");
  assert.equal(failed.length, 1);
  assert.equal(failed[0]!.error, "conflicts with main in shared.txt");
  assert.match(await s.show("shared.txt"), /^(one|two)$/);
  // The failed job's branch is kept for a look; the landed one's is gone.
  assert.equal(await orkBranches(s.dir), failed[0]!.branch);
});

Deno.test("a failing required gate lands nothing, and a job cannot switch the gate off from its worktree", async () => {
  await using s = await setup(
    "merge_gates:\n  - name: must_have_marker\n    command: test -f marker\n  - name: advisory\n    command: exit 1\n    required: false\n",
  );
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue(
    "try to dodge the gate",
    "printf 'merge_gates: []\\n' > config/orchestrator.yaml; echo x > x.txt",
    "--max-retries",
    "0",
  );
  const result = await s.run("--once");
  assert.equal(result.code, 1);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.equal(job.error, "required gate must_have_marker failed");
  const gates = (job.result?.gates ?? []) as { name: string; passed: boolean; required: boolean }[];
  assert.deepEqual(gates.map((g) => [g.name, g.passed, g.required]), [["must_have_marker", false, true]]);
  assert.equal(await git(s.dir, "rev-parse", "main"), tip);
  assert.match(await Deno.readTextFile(job.log_path!), /== gate must_have_marker: test -f marker/);

  const ok = await s.enqueue("satisfy it", "echo y > marker");
  assert.equal((await s.run("--once")).code, 0);
  const landed = await s.queue.get(ok);
  assert.equal(landed.status, "completed");
  const recorded = (landed.result?.gates ?? []) as { name: string; passed: boolean }[];
  assert.deepEqual(recorded.map((g) => [g.name, g.passed]), [["must_have_marker", true], [
    "advisory",
    false,
  ]]);
  assert.equal(await s.show("marker"), "y");
});

Deno.test("a job that sleeps past its timeout fails with 'timed out' and leaves no process behind", async () => {
  await using s = await setup();
  const id = await s.enqueue("sleepy", "sleep 37.251 & sleep 37.251", "--timeout", "1", "--max-retries", "0");
  const result = await s.run("--once");
  assert.equal(result.code, 1);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.equal(job.error, "timed out after 1s");
  assert.equal(await processRunning("sleep 37.251"), false);
  assert.equal(await worktreeCount(s.dir), 1);
});

Deno.test("two runners started together on 12 jobs run each job exactly once", async () => {
  await using s = await setup("", { sandbox: "off" });
  const ids: string[] = [];
  for (let n = 0; n < 12; n++) {
    ids.push(await s.enqueue(`job ${n}`, `echo "$ORK_JOB_ID" >> ${s.trace}/ran; echo ${n} > out${n}.txt`));
  }
  const results = await Promise.all([s.run("--once", "--workers", "2"), s.run("--once", "--workers", "2")]);
  for (const result of results) assert.equal(result.code, 0, result.stderr);
  const ran = (await Deno.readTextFile(join(s.trace, "ran"))).trim().split("\n");
  assert.equal(ran.length, 12);
  assert.deepEqual([...ran].sort(), [...ids].sort());
  for (let n = 0; n < 12; n++) assert.equal(await s.show(`out${n}.txt`), String(n));
  assert.equal((await s.queue.stats()).completed, 12);
});

Deno.test("the user's uncommitted work survives every landing", async () => {
  await using s = await setup();
  await Deno.writeTextFile(join(s.dir, "README.md"), "# my unsaved edit\n");
  await Deno.writeTextFile(join(s.dir, "staged.txt"), "staged\n");
  await git(s.dir, "add", "staged.txt");
  await Deno.writeTextFile(join(s.dir, "notes.txt"), "untracked notes\n");
  const before = await git(s.dir, "status", "--porcelain");
  await s.enqueue("one", "echo 1 > one.txt");
  await s.enqueue("two", "echo 2 > two.txt");
  assert.equal((await s.run("--once", "--workers", "2")).code, 0);
  assert.equal(await Deno.readTextFile(join(s.dir, "README.md")), "# my unsaved edit\n");
  assert.equal(await Deno.readTextFile(join(s.dir, "notes.txt")), "untracked notes\n");
  assert.equal(await git(s.dir, "status", "--porcelain"), before);
  assert.equal(await Deno.readTextFile(join(s.dir, "one.txt")), "1\n");
});

Deno.test("when landing would overwrite an uncommitted change, nothing lands and the change is intact", async () => {
  await using s = await setup();
  await Deno.writeTextFile(join(s.dir, "README.md"), "# mine, not committed\n");
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue("touch readme", "echo theirs > README.md");
  const result = await s.run("--once");
  assert.equal(result.code, 1);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.equal(job.retry_count, 0, "retrying could not help: no retry spent");
  assert.equal(
    job.error,
    `would overwrite uncommitted changes in README.md; commit or stash them, then ork retry ${id}`,
  );
  assert.equal(await git(s.dir, "rev-parse", "main"), tip);
  assert.equal(await Deno.readTextFile(join(s.dir, "README.md")), "# mine, not committed\n");
});

Deno.test("when the user's checkout cannot be brought forward, the target is put back and the job lands once, later", async () => {
  await using s = await setup();
  const tip = await git(s.dir, "rev-parse", "main");
  // Someone's git holds the index lock for longer than ork waits for it.
  const indexLock = join(s.dir, ".git/index.lock");
  await Deno.writeTextFile(indexLock, "");
  const id = await s.enqueue("write once", "echo once > once.txt", "--max-retries", "0");
  const blocked = await s.run("--once");
  assert.equal(blocked.code, 1, blocked.stderr);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.match(job.error ?? "", /index\.lock/);
  assert.equal(await git(s.dir, "rev-parse", "main"), tip, "the target was put back");

  await Deno.remove(indexLock);
  assert.equal((await ork(["retry", id], { cwd: s.dir })).code, 0);
  assert.equal((await s.run("--once")).code, 0);
  assert.equal(await git(s.dir, "rev-list", "--count", "--merges", `${tip}..main`), "1", "landed once");
  assert.equal(await Deno.readTextFile(join(s.dir, "once.txt")), "once\n");
  assert.equal(await git(s.dir, "status", "--porcelain"), "");
});

Deno.test("when the checkout cannot come forward and the target cannot be put back either, the job has landed, once, and ork says how to finish", async () => {
  // The gate takes the user's index lock, and a helper takes main's ref lock the moment main moves: read-tree
  // fails, and so does the swap back.
  await using s = await setup("merge_gates:\n  - name: locks\n    command: sh ../../../locks.sh\n", {
    sandbox: "off",
  });
  await Deno.writeTextFile(
    join(s.dir, "locks.sh"),
    // The helper leaves the gate's process group (which ork stops when the gate ends) before the gate ends, and
    // gives up after 30 s.
    `C=$(git rev-parse --path-format=absolute --git-common-dir)
tip=$(git --git-dir="$C" rev-parse refs/heads/main)
: > "$C/index.lock"
setsid sh -c ': > "$1/helper-started"; n=0
while [ "$(git --git-dir="$1" rev-parse refs/heads/main)" = "$2" ] && [ $n -lt 3000 ]; do sleep 0.01; n=$((n+1)); done
: > "$1/refs/heads/main.lock"' sh "$C" "$tip" < /dev/null > /dev/null 2>&1 &
while [ ! -e "$C/helper-started" ]; do sleep 0.01; done
`,
  );
  await Deno.writeTextFile(join(s.dir, ".git/info/exclude"), ".ork/\nlocks.sh\n");
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue("write once", "echo once > once.txt", "--max-retries", "0");
  const result = await s.run("--once");
  await waitFor("the helper's ref lock", () => exists(join(s.dir, ".git/refs/heads/main.lock")));
  await Deno.remove(join(s.dir, ".git/refs/heads/main.lock"));
  await Deno.remove(join(s.dir, ".git/index.lock"));

  assert.equal(result.code, 0, result.stderr);
  const job = await s.queue.get(id);
  assert.equal(job.status, "completed");
  assert.equal(job.landed_commit, await git(s.dir, "rev-parse", "main"));
  assert.equal(await git(s.dir, "rev-list", "--count", "--merges", `${tip}..main`), "1");
  const advice = `git read-tree -m -u ${tip} ${job.landed_commit}`;
  const log = await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log"));
  assert.match(
    log,
    /WARNING main moved to [0-9a-f]{40} for job .*, but your checkout could not be brought forward/,
  );
  assert.ok(log.includes(advice), log);
  assert.ok((await Deno.readTextFile(job.log_path!)).includes(advice));
  // Doing what it says brings the checkout forward.
  const [command, ...args] = advice.split(" ");
  assert.equal((await run(command!, ["-C", s.dir, ...args])).code, 0);
  assert.equal(await Deno.readTextFile(join(s.dir, "once.txt")), "once\n");
  assert.equal(await git(s.dir, "status", "--porcelain"), "");
});

const CAN_MAKE_IMMUTABLE = await (async () => {
  const probe = await Deno.makeTempFile();
  try {
    const set = await new Deno.Command("chattr", { args: ["+i", probe], stderr: "null" }).output();
    if (set.success) await new Deno.Command("chattr", { args: ["-i", probe] }).output();
    return set.success;
  } catch {
    return false;
  } finally {
    await Deno.remove(probe);
  }
})();

Deno.test({
  name:
    "a gate that leaves a file nobody can delete: the job still lands, the runner goes on, ork clean removes the worktree later",
  ignore: !CAN_MAKE_IMMUTABLE, // needs chattr (root, and a file system that has the flag)
  async fn() {
    await using s = await setup(
      "merge_gates:\n  - name: sticky\n    command: mkdir -p build/d && touch build/d/f && chattr +i build/d/f\n",
      { sandbox: "off" },
    );
    const sticky = () =>
      Array.from(Deno.readDirSync(join(s.dir, ".ork/worktrees"))).map((entry) =>
        join(s.dir, ".ork/worktrees", entry.name, "build/d/f")
      );
    try {
      const first = await s.enqueue("write one", "echo one > one.txt");
      const second = await s.enqueue("write two", "echo two > two.txt");
      const result = await s.run("--once");
      assert.equal(result.code, 0, result.stderr);
      for (const id of [first, second]) assert.equal((await s.queue.get(id)).status, "completed");
      assert.equal(await Deno.readTextFile(join(s.dir, "two.txt")), "two\n");
      assert.equal(await git(s.dir, "status", "--porcelain"), "");
      const log = await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log"));
      assert.match(log, /could not remove the worktree .*'ork clean' removes it/);
    } finally {
      for (const path of sticky()) {
        await new Deno.Command("chattr", { args: ["-i", path], stderr: "null" }).output();
      }
    }
    assert.equal((await ork(["clean"], { cwd: s.dir })).code, 0);
    assert.equal(await worktreeCount(s.dir), 1);
  },
});

Deno.test("a job that plants an object under the name of the content it writes fails for good, and nothing of it lands", async () => {
  await using s = await setup("merge_gates:\n  - name: reads\n    command: cat planted.txt\n");
  // In the sandbox the job's .git/objects is a store of its own: it copies the object of 'evil' to the name of
  // 'good' there, then writes 'good'. git would keep the object it believes it has; ork checks what comes in.
  await Deno.writeTextFile(
    join(s.dir, "plant.sh"),
    `objects=$(git rev-parse --path-format=absolute --git-common-dir)/objects
good=$(printf 'good\\n' | git hash-object --stdin)
evil=$(printf 'evil\\n' | git hash-object -w --stdin)
mkdir -p "$objects/$(printf %s "$good" | cut -c1-2)"
cp "$objects/$(printf %s "$evil" | cut -c1-2)/$(printf %s "$evil" | cut -c3-)" \\
  "$objects/$(printf %s "$good" | cut -c1-2)/$(printf %s "$good" | cut -c3-)"
printf 'good\\n' > planted.txt
`,
  );
  await git(s.dir, "add", "plant.sh");
  await git(s.dir, "commit", "--quiet", "-m", "the planting script");
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue("plant", "bash plant.sh");
  const result = await s.run("--once");
  assert.equal(result.code, 1, result.stderr);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.equal(job.retry_count, 0, "not retried: it would plant again");
  const good = (await run("git", ["-C", s.dir, "hash-object", "--stdin"], { stdin: "good\n" })).stdout.trim();
  assert.match(job.error ?? "", new RegExp(`an object whose content does not give its name \\(${good}\\)`));
  assert.equal(job.result, null, "no gate ran");
  assert.equal((await run("git", ["-C", s.dir, "cat-file", "-e", good])).code, 1, "it did not come in");
  assert.equal(await git(s.dir, "rev-parse", "main"), tip, "nothing landed");
  assert.equal(exists(join(s.dir, "planted.txt")), false);
});

Deno.test("a job whose own commit needs an object it removed from its store fails for good, and nothing lands", async () => {
  await using s = await setup();
  await Deno.writeTextFile(
    join(s.dir, "hide.sh"),
    `echo kept > kept.txt && git add kept.txt && git -c user.name=J -c user.email=j@x commit -qm mine
blob=$(git rev-parse HEAD:kept.txt)
rm -f "$(git rev-parse --path-format=absolute --git-common-dir)/objects/$(printf %s "$blob" | cut -c1-2)/$(printf %s "$blob" | cut -c3-)"
echo changed > kept.txt
`,
  );
  await git(s.dir, "add", "hide.sh");
  await git(s.dir, "commit", "--quiet", "-m", "the script");
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue("hide", "bash hide.sh");
  const result = await s.run("--once");
  assert.equal(result.code, 1, result.stderr);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.equal(job.retry_count, 0);
  assert.match(job.error ?? "", /^the job's commits need objects it did not leave/);
  assert.equal(await git(s.dir, "rev-parse", "main"), tip);
  assert.equal((await run("git", ["-C", s.dir, "fsck", "--no-dangling", "--connectivity-only"])).code, 0);
});

Deno.test("a gate cannot change the objects of what lands: it runs the job's code, in a store of its own", async () => {
  // The gate runs a script the job wrote; it replaces, under the name of the tested content, the object git
  // stored for it. In the repository's store it cannot: what lands is what the gate saw.
  await using s = await setup("merge_gates:\n  - name: tests\n    command: sh swap.sh\n");
  await Deno.writeTextFile(
    join(s.dir, "swap.sh"),
    `cat planted.txt
objects=$(git rev-parse --path-format=absolute --git-common-dir)/objects
good=$(git rev-parse HEAD:planted.txt)
evil=$(printf 'evil\\n' | git hash-object -w --stdin)
mkdir -p "$objects/$(printf %s "$good" | cut -c1-2)"
rm -f "$objects/$(printf %s "$good" | cut -c1-2)/$(printf %s "$good" | cut -c3-)"
cp "$objects/$(printf %s "$evil" | cut -c1-2)/$(printf %s "$evil" | cut -c3-)" \\
  "$objects/$(printf %s "$good" | cut -c1-2)/$(printf %s "$good" | cut -c3-)"
`,
  );
  await git(s.dir, "add", "swap.sh");
  await git(s.dir, "commit", "--quiet", "-m", "the gate's script");
  const id = await s.enqueue("write good", "echo good > planted.txt");
  const result = await s.run("--once");
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await s.queue.get(id)).status, "completed");
  assert.match(
    await Deno.readTextFile((await s.queue.get(id)).log_path!),
    /^good$/m,
    "the gate read the file",
  );
  assert.equal(await s.show("planted.txt"), "good");
  assert.equal(await Deno.readTextFile(join(s.dir, "planted.txt")), "good\n");
  assert.equal((await run("git", ["-C", s.dir, "fsck", "--no-dangling"])).code, 0);
});

Deno.test("a job that points its worktree's HEAD at main cannot land anything past a failing gate", async () => {
  await using s = await setup("merge_gates:\n  - name: never\n    command: 'false'\n");
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue(
    "headjack",
    "git symbolic-ref HEAD refs/heads/main && echo ungated > bad.txt",
    "--max-retries",
    "0",
  );
  const result = await s.run("--once");
  assert.equal(result.code, 1, result.stderr);
  assert.equal(await git(s.dir, "rev-parse", "main"), tip, "main did not move");
  assert.equal((await s.queue.get(id)).status, "failed");
  assert.equal(await git(s.dir, "status", "--porcelain"), "");
});

Deno.test("a job retried at once by the same worker keeps its worktree: nothing is checked out afresh", async () => {
  await using s = await setup("", { sandbox: "off" });
  const tried = join(s.trace, "tried");
  const id = await s.enqueue(
    "fails once",
    `if [ -e ${tried} ]; then echo ok > ok.txt; else touch ${tried}; exit 1; fi`,
    "--max-retries",
    "1",
  );
  const result = await s.run("--once");
  assert.equal(result.code, 0, result.stderr);
  const job = await s.queue.get(id);
  assert.equal(job.status, "completed");
  assert.equal(job.retry_count, 1);
  const log = await Deno.readTextFile(join(s.dir, ".ork/orchestrator.log"));
  assert.doesNotMatch(log, /could not be reused/);
});

Deno.test("a job cancelled while its gates run does not land, though every gate passed", async () => {
  // The gate itself cancels the job, as a user's `ork cancel` at that moment would.
  const cancel =
    `'${Deno.execPath()}' run -A --quiet --config '${DENO_JSON}' '${MAIN_TS}' cancel "$ORK_JOB_ID"`;
  await using s = await setup(`merge_gates:\n  - name: cancels\n    command: ${JSON.stringify(cancel)}\n`, {
    sandbox: "off",
  });
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue("cancelled in its gates", "echo late > late.txt");
  const result = await s.run("--once");
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /1 cancelled/);
  const job = await s.queue.get(id);
  assert.equal(job.status, "cancelled");
  assert.equal(job.landed_commit, null);
  assert.equal(await git(s.dir, "rev-parse", "main"), tip, "nothing landed");
  assert.equal(await orkBranches(s.dir), "");
});

Deno.test("what a job plants in its worktree's git dir moves no branch and touches none of the user's files", async () => {
  await using s = await setup("merge_gates:\n  - name: never\n    command: 'false'\n");
  // Files git follows when ork runs it in the job's worktree, outside the sandbox (and a change to commit).
  const plant = [
    'gd=$(git rev-parse --absolute-git-dir); root="$ORK_WORKTREE/../../.."',
    'echo "ref: refs/heads/main" > "$gd/ORIG_HEAD"',
    'echo "ref: refs/heads/feature" > "$gd/CHERRY_PICK_HEAD"',
    'mkdir -p "$gd/logs" && rm -f "$gd/logs/HEAD" && ln -s "$root/notes.txt" "$gd/logs/HEAD"',
    'ln -s "$root/draft.txt" "$gd/COMMIT_EDITMSG"',
    "echo planted > planted.txt",
  ].join("\n");
  await Deno.writeTextFile(join(s.dir, "plant.sh"), plant + "\n");
  await git(s.dir, "add", "plant.sh");
  await git(s.dir, "commit", "--quiet", "-m", "the job's script");
  await git(s.dir, "branch", "feature");
  await Deno.writeTextFile(join(s.dir, "notes.txt"), "my notes\n");
  await Deno.writeTextFile(join(s.dir, "draft.txt"), "my draft\n");
  const tip = await git(s.dir, "rev-parse", "main");
  const status = await git(s.dir, "status", "--porcelain");
  const id = await s.enqueue("plants", "bash plant.sh", "--max-retries", "0");
  const result = await s.run("--once");
  assert.equal(result.code, 1, result.stderr);
  assert.match((await s.queue.get(id)).error ?? "", /required gate never failed/);
  assert.equal(await git(s.dir, "rev-parse", "main"), tip, "main did not move");
  assert.equal(await git(s.dir, "rev-parse", "feature"), tip, "feature is still there");
  assert.equal(await Deno.readTextFile(join(s.dir, "notes.txt")), "my notes\n");
  assert.equal(await Deno.readTextFile(join(s.dir, "draft.txt")), "my draft\n");
  assert.equal(await git(s.dir, "status", "--porcelain"), status);
});

Deno.test("a job that changes ork's own config does not land: the gates and roles stay the user's", async () => {
  await using s = await setup("merge_gates:\n  - name: passes\n    command: 'true'\n");
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue(
    "no more gates",
    "echo 'merge_gates: []' > config/orchestrator.yaml && touch also-this.txt",
    "--max-retries",
    "2",
  );
  const result = await s.run("--once");
  assert.equal(result.code, 1, result.stderr);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.equal(job.retry_count, 0, "running it again would change them again: no retry");
  assert.match(job.error ?? "", /^changes ork's own config \(config\/orchestrator\.yaml\), which no job may/);
  assert.equal(await git(s.dir, "rev-parse", "main"), tip);
  assert.match(await Deno.readTextFile(join(s.dir, "config/orchestrator.yaml")), /name: passes/);
});

Deno.test("a target_branch that does not exist is refused naming the key, and nothing runs", async () => {
  await using s = await setup("orchestrator:\n  target_branch: nosuch\n");
  const id = await s.enqueue("never runs", "true");
  const before = await snapshot(join(s.dir, ".ork/queue"));
  for (const args of [["--once"], ["--dry-run"]]) {
    const result = await s.run(...args);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      "ork: orchestrator.target_branch in config/orchestrator.yaml names a branch that does not exist: 'nosuch'; " +
        "create it ('git branch nosuch'), or set target_branch to a branch that exists (or delete the key to use " +
        "the branch checked out in the main worktree)\n",
    );
  }
  assert.equal((await s.queue.get(id)).status, "pending");
  assert.deepEqual(await snapshot(join(s.dir, ".ork/queue")), before);
});

Deno.test("--dry-run prints the plan in order and changes nothing under .ork/, in refs or worktrees", async () => {
  await using s = await setup("merge_gates:\n  - name: tests\n    command: 'true'\n");
  const late = await s.enqueue("late", "true", "--priority", "90");
  const early = await s.enqueue("early", "true", "--priority", "5");
  const state = async () => ({
    ork: await snapshot(join(s.dir, ".ork")),
    refs: await git(s.dir, "for-each-ref"),
    worktrees: await git(s.dir, "worktree", "list", "--porcelain"),
  });
  const before = await state();
  const result = await s.run("--dry-run");
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split("\n");
  assert.match(lines[0]!, /^dry run: 2 pending job\(s\), 3 at once, landing on main \(now [0-9a-f]{12}\)$/);
  assert.match(lines[1]!, new RegExp(`^1\\. ${early}  priority 5  tester: early$`));
  assert.match(result.stdout, new RegExp(`^2\\. ${late}  priority 90  tester: late$`, "m"));
  assert.match(
    result.stdout,
    /worktree: \.ork\/worktrees\/ork-tester-\d+-[0-9a-z]{8} {2}branch: ork\/tester-/,
  );
  assert.match(result.stdout, /^gates, in order: tests$/m);
  assert.match(result.stdout, /^sandbox: (bwrap|none \(.*\))$/m);
  assert.deepEqual(await state(), before);
});

Deno.test("a job that changes nothing completes without landing; a failing one names its exit code and last line", async () => {
  await using s = await setup();
  const tip = await git(s.dir, "rev-parse", "main");
  const idle = await s.enqueue("look only", "ls > /dev/null");
  const broken = await s.enqueue(
    "break",
    "echo working; echo 'fatal: no such thing' >&2; exit 3",
    "--max-retries",
    "0",
  );
  const result = await s.run("--once");
  assert.equal(result.code, 1);
  const quiet = await s.queue.get(idle);
  assert.deepEqual([quiet.status, quiet.result, quiet.landed_commit], [
    "completed",
    { landed: false, reason: "no changes" },
    null,
  ]);
  const failed = await s.queue.get(broken);
  assert.deepEqual([failed.status, failed.exit_code, failed.error], [
    "failed",
    3,
    "exit code 3: fatal: no such thing",
  ]);
  assert.equal(await git(s.dir, "rev-parse", "main"), tip);
});

Deno.test("commits the command made itself are kept, and squash lands the job as one commit", async () => {
  await using s = await setup("landing:\n  strategy: squash\n");
  const id = await s.enqueue(
    "commit twice",
    "echo 1 > one.txt && git add one.txt && git -c user.name=A -c user.email=a@x commit -qm 'first step' && " +
      "echo 2 > two.txt",
  );
  assert.equal((await s.run("--once")).code, 0);
  const job = await s.queue.get(id);
  assert.equal(job.status, "completed");
  const parents = (await git(s.dir, "log", "-1", "--format=%p", job.landed_commit!)).split(" ");
  assert.equal(parents.length, 1, "squash: one parent");
  assert.equal(await s.show("one.txt"), "1");
  assert.equal(await s.show("two.txt"), "2");
  assert.match(
    await git(s.dir, "log", "-1", "--format=%B", "main"),
    new RegExp(`^tester: commit twice\\n\\nOrk-Job: ${id}$`),
  );
});

Deno.test("logs --follow prints a job's output as it comes and returns when the job ends", async () => {
  await using s = await setup();
  const id = await s.enqueue("talk slowly", "echo first; sleep 1; echo second");
  const runner = spawnOrk(["run", "--once"], { cwd: s.dir });
  await waitFor("the job to start", s.runningWithPid(id));
  const follow = await ork(["logs", id, "--follow"], { cwd: s.dir });
  assert.equal(follow.code, 0, follow.stderr);
  assert.match(follow.stdout, /first\nsecond/);
  assert.equal((await runner.output()).code, 0);
});

Deno.test("a job file written by hand with a command outside its role fails at claim and never runs", async () => {
  await using s = await setup();
  const id = await s.enqueue("harmless at first", `touch ${s.trace}/ran`, "--max-retries", "2");
  // Rewrite the pending job by hand: enqueue would have refused this command for the role.
  const path = join(s.dir, ".ork/queue", `${id}.json`);
  const record = JSON.parse(await Deno.readTextFile(path));
  record.command = `curl -s http://127.0.0.1:9/ > ${s.trace}/ran`;
  await Deno.writeTextFile(path, JSON.stringify(record));
  const result = await s.run("--once");
  assert.equal(result.code, 1);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.equal(job.retry_count, 0);
  assert.match(job.error ?? "", /^role tester may not run "curl" \(allowed: /);
  assert.deepEqual([job.pid, job.log_path, job.worktree], [null, null, null], "it never ran");
  await assert.rejects(Deno.stat(join(s.trace, "ran")), Deno.errors.NotFound);
});
