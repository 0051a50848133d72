import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import type { OrkConfig } from "../../config/mod.ts";
import { InputError, messageOf } from "../../errors/mod.ts";
import { checkNewJob, MAX_PROMPT_BYTES, type NewJob } from "../../queue/mod.ts";
import { assertCommandAllowed } from "../../roles/mod.ts";
import { type CliContext, examples, REPO_FLAG, REPO_HELP, repoOption } from "../context.ts";
import { printJson, queueFor } from "../workspace.ts";
import { MAX_RETRIES_FLAG, secondsFlag, wholeNumberFlag } from "../flags.ts";

const FLAG_NAMES = {
  role: "--role",
  description: "--desc",
  command: "--cmd",
  prompt: "--prompt",
  priority: "--priority",
  timeout: "--timeout",
  max_retries: "--max-retries",
  unique: "--unique",
  after: "--after",
} as const;

/** `--after a,b`: the ids, or a one-line refusal of an empty one. */
function afterFlag(value: string | undefined): string[] {
  if (value === undefined) return [];
  const ids = value.split(",").map((id) => id.trim());
  if (ids.some((id) => id === "")) {
    throw new InputError(
      `--after must be job ids separated by commas, got ${JSON.stringify(value)}`,
      "e.g. --after 01kaz3x0q4,01kaz3x1b7",
    );
  }
  return ids;
}

/** `ork enqueue`: adds a job to the queue and prints its id. */
export function enqueueCommand(ctx: CliContext): CommandUnknownOpts {
  const command = new Command("enqueue")
    .description("add a job to the queue; prints its id")
    .option(
      "--role <role>",
      `the agent role (see config/agent_roles.yaml); with --agent, ${AGENT_ROLE} by default`,
    )
    .option(
      "--desc <text>",
      "what the job does; becomes the commit message (with --agent: the prompt's first line)",
    )
    .option("--cmd <command>", "the shell command line to run in the job's worktree")
    .option(
      "--agent <name>",
      "run a coding agent from its preset (claude, codex, gemini, qwen, aider, or agents:)",
    )
    .option("--prompt <text>", "with --agent: what the agent should do; it gets it as $ORK_PROMPT")
    .option("--prompt-file <file>", "with --agent: the prompt, read from a file")
    .option("--priority <n>", "lower runs first: 0-9 critical, 10-49 high, 50-99 normal, 100+ low", "50")
    .option("--timeout <seconds>", "stop the job after this long (default: job_timeout from the config)")
    .option("--max-retries <n>", "automatic retries after a failure (default: max_retries from the config)")
    .option("--after <ids>", "run only once these jobs completed (ids or prefixes, comma-separated)")
    .option("--unique <key>", "refuse the job while a pending or running job has the same key (cron, make)")
    .option("--review", "once its gates pass, wait for ork approve instead of landing")
    .option("--json", "print the whole job record as JSON")
    .option(REPO_FLAG, REPO_HELP)
    .addHelpText(
      "after",
      examples(
        `ork enqueue --role bug-catcher --desc "Fix test failures" --cmd "pytest tests/ -x" --priority 10`,
        `ork enqueue --agent claude --review --prompt "Fix the flaky date test in tests/test_dates.py"`,
        `ork enqueue --after 01kaz3x0q4 --unique docs --role test-weaver --desc "Docs" --cmd "make docs"`,
      ),
    )
    .action(async (opts) => {
      // The config first, as git does: a broken config file is reported before anything about the flags.
      const { ws, queue } = await queueFor(ctx, repoOption(opts, command.parent?.opts()));
      const { flag, ...what } = await jobOrAgent(ws.config, opts);
      const input: NewJob = {
        ...what,
        priority: wholeNumberFlag(
          "--priority",
          opts.priority,
          "use 0-9 critical, 10-49 high, 50-99 normal, 100+ low",
        ),
        timeout: secondsFlag("--timeout", opts.timeout, 600),
        max_retries: wholeNumberFlag(
          "--max-retries",
          opts.maxRetries,
          "e.g. --max-retries 2; 0 means no retry",
          0,
          MAX_RETRIES_FLAG,
        ),
        unique: opts.unique ?? null,
        after: afterFlag(opts.after),
        review: opts.review === true,
      };
      checkNewJob(input, {}, { ...FLAG_NAMES, prompt: flag ?? FLAG_NAMES.prompt });
      await assertCommandAllowed(ws.config, input.role, input.command);
      const job = await queue.enqueueJob(input);
      if (opts.json) printJson(ctx, job);
      else ctx.output.out(job.id);
    });
  return command;
}

/** The role a job enqueued with `--agent` and no `--role` gets. */
export const AGENT_ROLE = "code-implementer";

/** The role, description, command and agent fields of a job, from `--cmd` or from `--agent` and its prompt. */
async function jobOrAgent(
  config: OrkConfig,
  opts: { role?: string; desc?: string; cmd?: string; agent?: string; prompt?: string; promptFile?: string },
): Promise<Pick<NewJob, "role" | "description" | "command" | "agent" | "prompt"> & { flag?: string }> {
  const required = (flag: string, value: string | undefined): string => {
    if (value !== undefined) return value;
    throw new InputError(`required option '${flag}' not specified`, "see 'ork enqueue --help'");
  };
  if (opts.agent === undefined) {
    if (opts.prompt !== undefined || opts.promptFile !== undefined) {
      throw new InputError(
        `${opts.prompt !== undefined ? "--prompt" : "--prompt-file"} is for --agent`,
        "name the agent with --agent (claude, codex, ...), or give the whole command line with --cmd",
      );
    }
    return {
      role: required("--role <role>", opts.role),
      description: required("--desc <text>", opts.desc),
      command: required("--cmd <command>", opts.cmd),
    };
  }
  const preset = Object.hasOwn(config.agents, opts.agent) ? config.agents[opts.agent] : undefined;
  if (preset === undefined) {
    throw new InputError(
      `--agent: no agent named ${JSON.stringify(opts.agent)} (known: ${
        Object.keys(config.agents).join(", ")
      })`,
      "use one of those, or add it under agents: in config/orchestrator.yaml",
    );
  }
  if (opts.cmd !== undefined) {
    throw new InputError("--cmd and --agent go separately", "the agent's preset is the command; drop --cmd");
  }
  if ((opts.prompt === undefined) === (opts.promptFile === undefined)) {
    throw new InputError(
      opts.prompt === undefined ? "--agent needs a prompt" : "--prompt and --prompt-file go separately",
      'give one: --prompt "what to do", or --prompt-file <file>',
    );
  }
  const prompt = opts.prompt ?? await readPromptFile(opts.promptFile ?? "");
  const flag = opts.prompt === undefined ? `--prompt-file ${opts.promptFile}` : "--prompt";
  if (descriptionOf(prompt) === "") {
    throw new InputError(`${flag} has no text`, "say what the agent should do");
  }
  return {
    flag,
    role: opts.role ?? AGENT_ROLE,
    description: opts.desc ?? descriptionOf(prompt),
    command: preset.command,
    agent: opts.agent,
    prompt,
  };
}

/** A prompt file's text: a regular file (not a device, a FIFO or a folder) of at most the prompt's size. */
async function readPromptFile(path: string): Promise<string> {
  const refuse = (why: string) =>
    new InputError(`--prompt-file: ${path} ${why}`, "give a readable text file");
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw refuse(`cannot be read: ${messageOf(error)}`);
  }
  if (!info.isFile) throw refuse("is not a regular file");
  if (info.size > MAX_PROMPT_BYTES) {
    throw refuse(`has ${info.size} bytes; a prompt has at most ${MAX_PROMPT_BYTES}`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(await Deno.readFile(path));
  } catch (error) {
    throw refuse(
      error instanceof TypeError
        ? "is not UTF-8 text"
        : `cannot be read: ${(error as Error).message ?? error}`,
    );
  }
}

/**
 * A job's description from its prompt: the first line with text, its spaces and control characters collapsed,
 * at most 72 characters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(descriptionOf("\n  Fix the\tflaky test\nin dates.py"), "Fix the flaky test");
 * assert.equal(descriptionOf("x".repeat(100)).length, 72);
 * ```
 */
export function descriptionOf(prompt: string): string {
  // deno-lint-ignore no-control-regex
  const line = prompt.split("\n").map((text) => text.replace(/[\u0000-\u001f\u007f-\u009f\s]+/g, " ").trim())
    .find((text) => text !== "") ?? "";
  const chars = [...line];
  return chars.length <= 72 ? line : `${chars.slice(0, 71).join("")}…`;
}
