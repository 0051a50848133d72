/**
 * `ork enqueue --agent`: a job from an agent preset, its prompt kept out of the command line, and every bad
 * combination of flags refused with one line, exit 2 and the queue unchanged.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ork, tempRepo } from "../helpers/mod.ts";
import { FsQueue } from "../../src/queue/mod.ts";

async function initialised(): Promise<Awaited<ReturnType<typeof tempRepo>>> {
  const repo = await tempRepo();
  const init = await ork(["init"], { cwd: repo.dir });
  assert.equal(init.code, 0, init.stderr);
  return repo;
}

Deno.test("enqueue --agent makes the preset's command the job's, keeps the prompt apart, and describes it", async () => {
  await using repo = await initialised();
  const prompt =
    'Fix the flaky date test\n\nIt fails near midnight; see tests/test_dates.py. Don\'t touch `$HOME`; run "$(rm -rf x)".';
  const result = await ork(["enqueue", "--agent", "claude", "--prompt", prompt, "--json"], { cwd: repo.dir });
  assert.equal(result.code, 0, result.stderr);
  const job = JSON.parse(result.stdout);
  assert.equal(job.agent, "claude");
  assert.equal(job.prompt, prompt);
  assert.equal(job.role, "code-implementer");
  assert.equal(job.description, "Fix the flaky date test");
  assert.equal(job.command, 'claude -p "$ORK_PROMPT" --permission-mode acceptEdits --allowedTools Bash');
  // From a file, with a role and a description of one's own.
  await Deno.writeTextFile(join(repo.dir, "task.md"), "Add a changelog\n");
  const fromFile = await ork(
    [
      "enqueue",
      "--agent",
      "codex",
      "--prompt-file",
      "task.md",
      "--role",
      "bug-catcher",
      "--desc",
      "Changelog",
      "--json",
    ],
    { cwd: repo.dir },
  );
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.deepEqual(
    (({ agent, prompt, role, description }) => ({ agent, prompt, role, description }))(
      JSON.parse(fromFile.stdout),
    ),
    { agent: "codex", prompt: "Add a changelog\n", role: "bug-catcher", description: "Changelog" },
  );
});

Deno.test("enqueue refuses bad --agent and --prompt combinations with one line, exit 2, queue unchanged", async () => {
  await using repo = await initialised();
  await Deno.writeTextFile(
    join(repo.dir, "config/orchestrator.yaml"),
    'agents:\n  mine:\n    command: my-agent "$ORK_PROMPT"\n',
  );
  await Deno.writeFile(join(repo.dir, "binary.bin"), new Uint8Array([0xff, 0xfe, 0x00, 0x80]));
  await Deno.writeTextFile(join(repo.dir, "nul.txt"), "fix it\0now");
  await Deno.writeTextFile(join(repo.dir, "big.txt"), "x".repeat(100_001));
  const queue = new FsQueue(join(repo.dir, ".ork/queue"));
  const cases: [string[], RegExp][] = [
    [
      ["--agent", "nobody", "--prompt", "x"],
      /^ork: --agent: no agent named "nobody" \(known: claude, codex, gemini, qwen, aider, mine\); use one of those, or add it under agents: in config\/orchestrator\.yaml$/,
    ],
    [
      ["--agent", "claude", "--prompt", "x", "--cmd", "ls"],
      /^ork: --cmd and --agent go separately; the agent's preset is the command; drop --cmd$/,
    ],
    [
      ["--agent", "claude"],
      /^ork: --agent needs a prompt; give one: --prompt "what to do", or --prompt-file <file>$/,
    ],
    [
      ["--agent", "claude", "--prompt", "x", "--prompt-file", "f"],
      /^ork: --prompt and --prompt-file go separately; /,
    ],
    [["--agent", "claude", "--prompt", "  "], /^ork: --prompt has no text; say what the agent should do$/],
    [
      ["--agent", "claude", "--prompt", "\u0001\u0002"],
      /^ork: --prompt has no text; say what the agent should do$/,
    ],
    [
      ["--agent", "claude", "--prompt-file", "missing.md"],
      /^ork: --prompt-file: missing\.md cannot be read: .*; give a readable text file$/,
    ],
    [
      ["--agent", "claude", "--prompt", "x".repeat(100_001)],
      /^ork: --prompt has 100001 bytes; at most 100000 fit in ORK_PROMPT; /,
    ],
    [
      ["--agent", "claude", "--prompt", "中".repeat(40_000)],
      /^ork: --prompt has 120000 bytes; at most 100000 fit in ORK_PROMPT; /,
    ],
    [
      ["--agent", "claude", "--prompt-file", "/dev/zero"],
      /^ork: --prompt-file: \/dev\/zero is not a regular file; give a readable text file$/,
    ],
    [["--agent", "claude", "--prompt-file", "."], /^ork: --prompt-file: \. is not a regular file; /],
    [
      ["--agent", "claude", "--prompt-file", "binary.bin"],
      /^ork: --prompt-file: binary\.bin is not UTF-8 text; /,
    ],
    [
      ["--agent", "claude", "--prompt-file", "nul.txt"],
      /^ork: --prompt-file nul\.txt has a NUL character, which no environment variable can carry; /,
    ],
    [
      ["--agent", "claude", "--prompt-file", "big.txt"],
      /^ork: --prompt-file: big\.txt has 100001 bytes; a prompt has at most 100000; /,
    ],
    [
      ["--role", "bug-catcher", "--desc", "d", "--cmd", "ls", "--prompt", "x"],
      /^ork: --prompt is for --agent; /,
    ],
    [["--agent", "mine", "--prompt", "x"], /^ork: role code-implementer may not run "my-agent" /],
    [
      ["--desc", "d", "--cmd", "ls"],
      /^ork: required option '--role <role>' not specified; see 'ork enqueue --help'$/,
    ],
  ];
  for (const [args, expected] of cases) {
    const result = await ork(["enqueue", ...args], { cwd: repo.dir });
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr.trimEnd(), expected, args.join(" "));
    assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
    assert.equal(result.stdout, "");
  }
  assert.deepEqual(await queue.list(), []);
});

Deno.test("a description from a prompt is its first line, cut at 72 characters, never inside one", async () => {
  const { descriptionOf } = await import("../../src/cli/commands/enqueue.ts");
  const cut = descriptionOf(`${"a".repeat(70)}🎉🎉🎉`);
  assert.equal(cut, `${"a".repeat(70)}🎉…`);
  assert.equal([...cut].length, 72);
  assert.equal(descriptionOf("\u0001\u0002"), "");
});
