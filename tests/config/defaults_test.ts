import assert from "node:assert/strict";
import { DEFAULT_CONFIG, DEFAULT_FORBIDDEN_PATTERNS } from "../../src/config/mod.ts";

Deno.test("the defaults are the documented values", () => {
  assert.deepEqual(DEFAULT_CONFIG.orchestrator, {
    max_concurrent: 3,
    worktree_base: ".ork/worktrees",
    queue_dir: ".ork/queue",
    job_timeout: 1800,
    stale_lock_timeout: 3600,
    max_retries: 2,
    log_max_bytes: 104857600,
    retry_on: ["command", "timeout", "gate", "conflict"],
    target_branch: null,
    sandbox: "auto",
    sandbox_writable: [],
  });
  assert.deepEqual(DEFAULT_CONFIG.environment, { setup: null, inputs: [], copy: [], timeout: 900 });
  assert.deepEqual(DEFAULT_CONFIG.merge_gates, []);
  assert.deepEqual(Object.keys(DEFAULT_CONFIG.roles), [
    "bug-catcher",
    "style-warden",
    "patch-surgeon",
    "test-weaver",
    "code-implementer",
    "code-planner",
  ]);
  assert.deepEqual(DEFAULT_CONFIG.roles["code-planner"], {
    description: "Transform tasks into structured plans",
    allowed_tools: ["bash", "grep", "find", "git", "claude", "codex", "gemini", "qwen", "aider"],
    forbidden_patterns: [],
    sandbox_writable: [],
  });
});

Deno.test("the defaults are deep-frozen", () => {
  assert.ok(Object.isFrozen(DEFAULT_CONFIG));
  assert.ok(Object.isFrozen(DEFAULT_CONFIG.orchestrator));
  assert.ok(Object.isFrozen(DEFAULT_CONFIG.roles["bug-catcher"]?.allowed_tools));
  assert.ok(Object.isFrozen(DEFAULT_CONFIG.forbidden_patterns));
  assert.throws(() => {
    (DEFAULT_CONFIG.orchestrator as { max_concurrent: number }).max_concurrent = 9;
  }, TypeError);
});

/** Commands each default pattern must refuse, in pattern order. */
const REFUSED: readonly (readonly string[])[] = [
  ["rm -rf /", "rm -fr /", "rm -rf /*", "sudo rm -rf --no-preserve-root /", "cd x && rm -rf / ; echo done"],
  ["rm -rf ~", "rm -rf ~/", "rm -rf ~/*", "rm -rf $HOME", "rm -rf ${HOME}"],
  ["dd if=/dev/zero of=disk.img", "dd bs=1M if=/dev/zero of=x"],
  ["dd if=image.iso of=/dev/sdb bs=4M", "dd if=x of=/dev/nvme0n1"],
  ["mkfs /dev/sdb1", "mkfs.ext4 /dev/sda1", "sudo mkfs -t xfs /dev/sdc"],
  [
    "git push --force origin main",
    "git push -f origin master",
    "git push origin main --force",
    "git push --force-with-lease origin HEAD:main",
    "git -C repo push -f origin main",
  ],
  ["git push origin +main", "git push origin +HEAD:master", "git push origin +refs/heads/main"],
  ["git update-ref refs/heads/main HEAD~1", "git update-ref -d refs/heads/master"],
  ["git branch -f main HEAD~3", "git branch --force master origin/master"],
  [":(){ :|:& };:", "bomb(){ bomb|bomb& };bomb"],
];

/** Commands no default pattern may refuse. */
const HARMLESS: readonly string[] = [
  "rm -rf build/",
  "rm -rf ./dist",
  "rm -rf /tmp/ork-test-123",
  "rm -rf ~/cache/ork",
  "dd if=in.img of=out.img",
  "mkdir build",
  "git push origin feature",
  "git push origin main",
  "git push -u origin main",
  "git push --follow-tags origin main",
  "git push -f origin feature",
  "git push -f origin main-fix",
  "git push origin +feature",
  "git push -f origin feature && git checkout main",
  "git branch -f feature main",
  "git branch feature",
  "git update-ref refs/heads/feature HEAD",
  "f(){ echo hi; }",
];

Deno.test("every default forbidden pattern compiles as a JavaScript RegExp", () => {
  for (const { pattern } of DEFAULT_FORBIDDEN_PATTERNS) new RegExp(pattern);
  assert.deepEqual(
    DEFAULT_CONFIG.forbidden_patterns,
    DEFAULT_FORBIDDEN_PATTERNS.map((entry) => entry.pattern),
  );
});

Deno.test("each default forbidden pattern refuses the commands it is there for", () => {
  assert.equal(REFUSED.length, DEFAULT_FORBIDDEN_PATTERNS.length);
  DEFAULT_FORBIDDEN_PATTERNS.forEach(({ pattern, refuses }, index) => {
    for (const command of REFUSED[index] ?? []) {
      assert.match(command, new RegExp(pattern), `"${refuses}" should refuse: ${command}`);
    }
  });
});

Deno.test("no default forbidden pattern refuses a harmless look-alike", () => {
  for (const command of HARMLESS) {
    const refusedBy = DEFAULT_FORBIDDEN_PATTERNS.filter(({ pattern }) => new RegExp(pattern).test(command));
    assert.deepEqual(refusedBy.map((entry) => entry.refuses), [], `should allow: ${command}`);
  }
});
