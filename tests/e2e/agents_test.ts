/**
 * Real coding agents from npm (Claude Code, Codex) run as ork jobs from their built-in presets, in the sandbox,
 * against a mock of their model's API on 127.0.0.1 that makes them write a file: the file lands, and the agent's
 * session state is written where its preset makes the home folder writable.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { agentBinDir } from "../helpers/agents.ts";
import { git, ork, tempRepo } from "../helpers/mod.ts";
import { anthropicMock, chatCompletionsMock, geminiMock, openaiMock } from "../helpers/model_mock.ts";
import { NO_BWRAP } from "../sandbox/_fixture.ts";
import { outsideTempDir } from "./_setup.ts";
import { FsQueue } from "../../src/queue/mod.ts";

const test = (name: string, fn: () => Promise<void>): void =>
  Deno.test({ name, ignore: NO_BWRAP, sanitizeResources: false, sanitizeOps: false, fn });

/** Every file below `dir`, relative to it. */
async function filesBelow(dir: string, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  try {
    for await (const entry of Deno.readDir(join(dir, prefix))) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory) found.push(...await filesBelow(dir, path));
      else found.push(path);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found;
}

/** A repository with ork's default config (roles that may run the agents), committed. */
async function agentRepo(): Promise<Awaited<ReturnType<typeof tempRepo>>> {
  const repo = await tempRepo();
  const init = await ork(["init"], { cwd: repo.dir });
  assert.equal(init.code, 0, init.stderr);
  await git(repo.dir, "add", "config");
  await git(repo.dir, "commit", "--quiet", "-m", "ork config");
  return repo;
}

/**
 * Enqueues `agent` from its preset with a prompt to write hello.txt, runs `ork run --once` with `env` (the agent
 * on PATH, its mock's address), and checks that the job completed in the sandbox and its file landed.
 *
 * @returns the job's log, for what a test checks further
 */
async function runAgentJob(
  agent: string,
  repo: string,
  env: Record<string, string>,
  bin: string,
): Promise<string> {
  const withBin = { ...env, PATH: `${bin}:${Deno.env.get("PATH")}` };
  const enqueued = await ork([
    "enqueue",
    "--agent",
    agent,
    "--prompt",
    "Write hello.txt",
    "--max-retries",
    "0",
  ], {
    cwd: repo,
    env: withBin,
  });
  assert.equal(enqueued.code, 0, enqueued.stderr);
  const ran = await ork(["run", "--once"], { cwd: repo, env: withBin });
  const job = await new FsQueue(join(repo, ".ork/queue")).get(enqueued.stdout.trim());
  const log = await Deno.readTextFile(job.log_path ?? "").catch(() => "");
  assert.equal(ran.code, 0, `${ran.stderr}\n${log}`);
  assert.equal(job.status, "completed", log);
  assert.equal(job.sandbox, "bwrap");
  assert.equal(job.description, "Write hello.txt");
  assert.equal(await git(repo, "show", "main:hello.txt"), `written by ${agent}`);
  // Nothing of the agent's own bookkeeping landed with the file.
  assert.equal(
    await git(repo, "ls-tree", "-r", "--name-only", "main"),
    "README.md\nconfig/agent_roles.yaml\nconfig/orchestrator.yaml\nhello.txt",
  );
  return log;
}

test("Claude Code from its preset writes a file in the sandbox; it lands, and its transcript is in ~/.claude", async () => {
  const bin = await agentBinDir("claude");
  await using repo = await agentRepo();
  await using home = await outsideTempDir("ork-home-");
  await using mock = anthropicMock("echo 'written by claude' > hello.txt");
  const env = {
    HOME: home.dir,
    ANTHROPIC_BASE_URL: mock.url,
    ANTHROPIC_API_KEY: "sk-ant-test",
    DISABLE_TELEMETRY: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
  };
  await runAgentJob("claude", repo.dir, env, bin);
  // The conversation went through: the model got the tool's result back.
  assert.ok(
    mock.requests.some((request) => JSON.stringify(request.body.messages ?? []).includes('"tool_result"')),
  );
  // Its state went where the preset lets it write: a transcript of the session.
  const state = await filesBelow(join(home.dir, ".claude"));
  assert.ok(state.some((path) => /^projects\/[^/]+\/[0-9a-f-]+\.jsonl$/.test(path)), state.join("\n"));
});

test("Codex from its preset writes a file in the sandbox; it lands, and its state is in ~/.codex", async () => {
  const bin = await agentBinDir("codex");
  await using repo = await agentRepo();
  await using home = await outsideTempDir("ork-home-");
  await using mock = openaiMock("echo 'written by codex' > hello.txt");
  // Codex takes a model provider from its config file: the mock.
  await Deno.mkdir(join(home.dir, ".codex"));
  await Deno.writeTextFile(
    join(home.dir, ".codex", "config.toml"),
    'model = "gpt-5-codex"\nmodel_provider = "mock"\n\n[model_providers.mock]\nname = "mock"\n' +
      `base_url = "${mock.url}/v1"\nwire_api = "responses"\nenv_key = "OPENAI_API_KEY"\n`,
  );
  const env = { HOME: home.dir, OPENAI_API_KEY: "sk-test" };
  await runAgentJob("codex", repo.dir, env, bin);
  assert.ok(
    mock.requests.some((request) =>
      JSON.stringify(request.body.input ?? []).includes("function_call_output")
    ),
  );
  const state = await filesBelow(join(home.dir, ".codex"));
  assert.ok(state.includes("installation_id"), state.join("\n"));
  assert.ok(state.some((path) => /^state_\d+\.sqlite$/.test(path)), state.join("\n"));
  assert.ok(state.some((path) => /^sessions\/.*\.jsonl$/.test(path)), state.join("\n"));
});

test("Qwen Code from its preset writes a file in the sandbox; it lands, and its state is in ~/.qwen", async () => {
  const bin = await agentBinDir("qwen");
  await using repo = await agentRepo();
  await using home = await outsideTempDir("ork-home-");
  await using mock = chatCompletionsMock("echo 'written by qwen' > hello.txt");
  const env = {
    HOME: home.dir,
    OPENAI_BASE_URL: `${mock.url}/v1`,
    OPENAI_API_KEY: "sk-test",
    OPENAI_MODEL: "mock",
  };
  await runAgentJob("qwen", repo.dir, env, bin);
  assert.ok(
    mock.requests.some((request) => JSON.stringify(request.body.messages ?? []).includes('"role":"tool"')),
  );
  const state = await filesBelow(join(home.dir, ".qwen"));
  assert.ok(state.includes("installation_id"), state.join("\n"));
  assert.ok(state.some((path) => path.startsWith("projects/")), state.join("\n"));
});

test("Gemini CLI from its preset writes a file in the sandbox; it lands, and its state is in ~/.gemini", async () => {
  const bin = await agentBinDir("gemini");
  await using repo = await agentRepo();
  await using home = await outsideTempDir("ork-home-");
  await using mock = geminiMock("echo 'written by gemini' > hello.txt");
  // The user picked the API key as Gemini CLI's way in (its /auth), once.
  await Deno.mkdir(join(home.dir, ".gemini"));
  await Deno.writeTextFile(
    join(home.dir, ".gemini", "settings.json"),
    JSON.stringify({ security: { auth: { selectedType: "gemini-api-key" } } }),
  );
  const env = {
    HOME: home.dir,
    GOOGLE_GEMINI_BASE_URL: mock.url,
    GEMINI_API_KEY: "test",
  };
  await runAgentJob("gemini", repo.dir, env, bin);
  assert.ok(
    mock.requests.some((request) => JSON.stringify(request.body.contents ?? []).includes("functionResponse")),
  );
  const state = await filesBelow(join(home.dir, ".gemini"));
  assert.ok(state.includes("projects.json"), state.join("\n"));
  assert.ok(state.some((path) => path.startsWith("tmp/") || path.startsWith("history/")), state.join("\n"));
});
