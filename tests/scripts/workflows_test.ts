import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { binaryName, TARGETS } from "../../scripts/compile.ts";
import { CHECKOUT } from "../helpers/mod.ts";

/** The parts of a GitHub Actions step these tests read. */
interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

/** The parts of a GitHub Actions job these tests read. */
interface Job {
  name?: string;
  "runs-on": string;
  strategy?: { matrix?: { os?: string[] } };
  steps: Step[];
}

/** The parts of a GitHub Actions workflow these tests read. */
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

async function workflow(name: string): Promise<Workflow> {
  return parse(await Deno.readTextFile(join(CHECKOUT, ".github/workflows", name))) as Workflow;
}

/** Every `run:` script of a job, joined, with `>-` folding and `\` continuations made into plain spaces. */
function scripts(job: Job): string {
  return job.steps.map((step) => step.run ?? "").join("\n").replace(/\\\n\s*/g, " ");
}

Deno.test("ci.yml runs scripts/test on Linux and macOS for pushes to main and pull requests", async () => {
  const ci = await workflow("ci.yml");
  assert.deepEqual(Object.keys(ci.on).sort(), ["pull_request", "push"]);
  assert.deepEqual(ci.on.push, { branches: ["main"] });
  assert.deepEqual(Object.keys(ci.jobs), ["test"]);
  const test = ci.jobs.test!;
  assert.deepEqual(test.strategy?.matrix?.os, ["ubuntu-latest", "macos-latest"]);
  assert.equal(test["runs-on"], "${{ matrix.os }}");
  assert.match(test.steps[0]!.uses ?? "", /^actions\/checkout@v\d+$/);
  assert.ok(test.steps.some((step) => step.run?.trim() === "scripts/test"), "a step runs scripts/test");
  // scripts/test installs Deno from npm: no step sets up Deno or Node.
  assert.ok(!test.steps.some((step) => /setup-(deno|node)/.test(step.uses ?? "")));
});

Deno.test("release.yml, on a v* tag, compiles the four targets and uploads them with SHA256SUMS", async () => {
  const release = await workflow("release.yml");
  assert.deepEqual(release.on, { push: { tags: ["v*"] } });
  assert.deepEqual(release.permissions, { contents: "write" });
  assert.deepEqual(Object.keys(release.jobs), ["release"]);
  const job = release.jobs.release!;
  assert.match(job.steps[0]!.uses ?? "", /^actions\/checkout@v\d+$/);
  const setup = job.steps.find((step) => step.uses?.startsWith("denoland/setup-deno@"));
  assert.equal(setup?.with?.["deno-version"], Deno.version.deno);

  const run = scripts(job);
  const compile = /deno task compile((?: --target \S+)+)/.exec(run.replace(/\s+/g, " "));
  assert.ok(compile, "a step runs deno task compile");
  assert.deepEqual(
    compile[1]!.trim().split(" ").filter((word) => word !== "--target").sort(),
    [...TARGETS].sort(),
  );

  const upload = /gh release upload (\S+) --clobber ([^\n]+)/.exec(run);
  assert.ok(upload, "a step uploads to the release");
  assert.equal(upload[1], `"$GITHUB_REF_NAME"`);
  assert.deepEqual(
    upload[2]!.trim().split(/\s+/).sort(),
    [...TARGETS.map((target) => `dist/${binaryName(target)}`), "dist/SHA256SUMS"].sort(),
  );
  assert.match(run, /gh release create "\$GITHUB_REF_NAME"/);
  // The upload comes after the build, and the checksums are checked before anything is published.
  assert.ok(run.indexOf("deno task compile") < run.indexOf("sha256sum --check SHA256SUMS"));
  assert.ok(run.indexOf("sha256sum --check SHA256SUMS") < run.indexOf("gh release upload"));
});
