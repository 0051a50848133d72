/**
 * Gates see only the candidate: the ways a real project's test suite reaches the user's checkout instead of the
 * tree that is landing (an editable install's `.pth`, Node's walk up to `node_modules`) fail in the sandbox, so
 * a change that breaks the tests never lands on the user's files.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { git, ork, run } from "../helpers/mod.ts";
import { NO_BWRAP } from "../sandbox/_fixture.ts";
import { commitFiles, type RunFixture, runFixture } from "./_setup.ts";

const test = (name: string, fn: () => Promise<void>): void => Deno.test({ name, ignore: NO_BWRAP, fn });

/** The gates' and the job's output, from the job's log. */
async function logOf(s: RunFixture, id: string): Promise<string> {
  return await Deno.readTextFile((await s.queue.get(id)).log_path ?? "");
}

/** A src-layout Python package and its unittest suite: `calc.add` must add. */
const PYTHON_PROJECT = {
  "src/calc/__init__.py": "def add(a, b):\n    return a + b\n",
  "tests/__init__.py": "",
  "tests/test_calc.py": "import unittest\nfrom calc import add\n\n\n" +
    "class AddTest(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n",
  "break.sh": "sed -i 's/a + b/a - b/' src/calc/__init__.py\n",
  "feature.sh":
    "printf 'from calc import add\\n\\n\\ndef double(a):\\n    return add(a, a)\\n' > src/calc/extra.py\n",
};

/**
 * A venv as `pip install -e .` leaves it for a src-layout project: a `.pth` file in site-packages naming
 * `<checkout>/src`. It lives outside /tmp (hidden in the sandbox for a reason of its own) and outside the checkout.
 */
async function editableVenv(checkout: string): Promise<{ bin: string } & AsyncDisposable> {
  await Deno.mkdir("/var/tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "ork-venv-" });
  const made = await run("python3", ["-m", "venv", "--without-pip", join(dir, "venv")]);
  assert.equal(made.code, 0, made.stderr);
  const python = join(dir, "venv", "bin", "python");
  const site = await run(python, ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]);
  assert.equal(site.code, 0, site.stderr);
  await Deno.writeTextFile(
    join(site.stdout.trim(), "__editable__.calc-0.1.pth"),
    `${join(checkout, "src")}\n`,
  );
  return {
    bin: join(dir, "venv", "bin"),
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

test("an editable install's .pth names the user's checkout: in the sandbox a breaking change does not land", async () => {
  await using s = await runFixture(
    "merge_gates:\n  - name: unittest\n    command: python -m unittest discover -s tests -t .\n",
  );
  await commitFiles(s.dir, PYTHON_PROJECT);
  await using venv = await editableVenv(s.dir);
  const env = { PATH: `${venv.bin}:${Deno.env.get("PATH")}` };
  // The user's own setup works: the suite passes in the checkout, through the .pth.
  const mine = await run(join(venv.bin, "python"), ["-m", "unittest", "discover", "-s", "tests", "-t", "."], {
    cwd: s.dir,
    env,
  });
  assert.equal(mine.code, 0, mine.stderr);
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue("break add", "bash break.sh", "--max-retries", "0");
  const result = await ork(["run", "--once"], { cwd: s.dir, env });
  assert.equal(result.code, 1, result.stderr);
  const job = await s.queue.get(id);
  assert.equal(job.status, "failed");
  assert.equal(job.error, "required gate unittest failed");
  // It failed on the import, not by passing on the user's files.
  assert.match(await logOf(s, id), /No module named 'calc'/);
  assert.equal(await git(s.dir, "rev-parse", "main"), tip);
});

test("a gate that imports the candidate's own src tests the candidate: the breaking job fails, the good one lands", async () => {
  await using s = await runFixture(
    "merge_gates:\n  - name: unittest\n    command: PYTHONPATH=src python -m unittest discover -s tests -t .\n",
  );
  await commitFiles(s.dir, PYTHON_PROJECT);
  await using venv = await editableVenv(s.dir);
  const env = { PATH: `${venv.bin}:${Deno.env.get("PATH")}` };
  const broken = await s.enqueue("break add", "bash break.sh", "--max-retries", "0");
  const good = await s.enqueue("add double", "bash feature.sh", "--max-retries", "0");
  const result = await ork(["run", "--once"], { cwd: s.dir, env });
  assert.equal(result.code, 1, result.stderr);
  assert.equal((await s.queue.get(broken)).status, "failed");
  assert.match(await logOf(s, broken), /AssertionError: -1 != 5/);
  assert.equal((await s.queue.get(good)).status, "completed");
  assert.match(await s.show("src/calc/extra.py"), /def double/);
  assert.match(await s.show("src/calc/__init__.py"), /return a \+ b/);
});

test("Node's walk up from .ork/worktrees does not reach the user's node_modules in the sandbox", async () => {
  await using s = await runFixture("merge_gates:\n  - name: test\n    command: node test.js\n");
  await commitFiles(s.dir, {
    ".gitignore": "node_modules/\n",
    "test.js": 'const greet = require("greet");\nif (greet() !== "hello") process.exit(1);\n',
  });
  // The user ran npm install: their checkout has the dependency, ignored as usual.
  await Deno.mkdir(join(s.dir, "node_modules", "greet"), { recursive: true });
  await Deno.writeTextFile(
    join(s.dir, "node_modules", "greet", "index.js"),
    'module.exports = () => "hello";\n',
  );
  const mine = await run("node", ["test.js"], { cwd: s.dir });
  assert.equal(mine.code, 0, mine.stderr);
  const tip = await git(s.dir, "rev-parse", "main");
  const id = await s.enqueue("any change", "touch new.txt", "--max-retries", "0");
  assert.equal((await s.run("--once")).code, 1);
  assert.equal((await s.queue.get(id)).status, "failed");
  assert.match(await logOf(s, id), /Cannot find module 'greet'/);
  assert.equal(await git(s.dir, "rev-parse", "main"), tip);
  // The user's files are as they were.
  assert.equal(await git(s.dir, "status", "--porcelain"), "");
});

Deno.test("unconfined, ork run's first line and ork doctor warn that the environment points into the checkout", async () => {
  await using s = await runFixture("orchestrator:\n  sandbox: off\n");
  await commitFiles(s.dir, PYTHON_PROJECT);
  await using venv = await editableVenv(s.dir);
  const env = { PATH: `${venv.bin}:${Deno.env.get("PATH")}`, VIRTUAL_ENV: join(venv.bin, "..") };
  const warning = new RegExp(
    `^ork: warning: jobs and gates run unconfined and .*__editable__\\.calc-0\\.1\\.pth reaches ${s.dir}/src: ` +
      "a gate may test your checkout rather than the candidate \\(see 'ork doctor'\\)$",
  );
  const ran = await ork(["run", "--once"], { cwd: s.dir, env });
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(ran.stderr.split("\n")[0] ?? "", warning);
  const doctor = await ork(["doctor", "--json"], { cwd: s.dir, env });
  const isolation = JSON.parse(doctor.stdout).checks.find((check: { name: string }) =>
    check.name === "isolation"
  );
  assert.equal(isolation.status, "warn");
  assert.match(
    isolation.message,
    /__editable__\.calc-0\.1\.pth reaches .*\/src: a gate may test your checkout/,
  );
  assert.match(isolation.fix, /^install bubblewrap so that jobs and gates cannot see your checkout/);

  // A node_modules in the checkout is above the job worktrees: Node's lookup walks up into it.
  await Deno.mkdir(join(s.dir, "node_modules"));
  const plain = await ork(["run", "--once"], { cwd: s.dir });
  assert.match(
    plain.stderr,
    new RegExp(
      `^ork: warning: jobs and gates run unconfined and Node's module lookup from the job worktrees ` +
        `reaches ${s.dir}/node_modules`,
    ),
  );
});

test("in the sandbox, ork doctor says the checkout is hidden, and ork run does not warn", async () => {
  await using s = await runFixture();
  await Deno.mkdir(join(s.dir, "node_modules"));
  const ran = await s.run("--once");
  assert.equal(ran.code, 0, ran.stderr);
  assert.doesNotMatch(ran.stderr, /warning/);
  const doctor = await ork(["doctor", "--json"], { cwd: s.dir });
  const isolation = JSON.parse(doctor.stdout).checks.find((check: { name: string }) =>
    check.name === "isolation"
  );
  assert.deepEqual(isolation, {
    name: "isolation",
    status: "ok",
    message: "the sandbox hides your checkout from jobs and gates",
  });
});
