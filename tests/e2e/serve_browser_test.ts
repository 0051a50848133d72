/**
 * `ork serve` in a real headless Chromium (Debian's, driven by puppeteer-core): without the token the page is
 * refused; with it, a job appears, its log streams while it runs, its diff is drawn once it awaits review, and
 * the approve button lands it through a live runner. `ORK_SCREENSHOT=<file>` keeps a picture of the page
 * (the README's).
 *
 * Needs Chromium at /usr/bin/chromium (or $ORK_CHROMIUM): `.ci/run` installs it, and under CI a missing one
 * fails the test; elsewhere the test is skipped without it.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";
import { exists, git, spawnOrk, waitFor } from "../helpers/mod.ts";
import { runFixture } from "./_setup.ts";
import { serve } from "./_serve.ts";

const CHROMIUM = Deno.env.get("ORK_CHROMIUM") ?? "/usr/bin/chromium";
const HAVE_CHROMIUM = exists(CHROMIUM);

/** A closed network: no background traffic; no sandbox of Chromium's own, as CI runs as root. */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

Deno.test({
  name: "in Chromium: the token is required, a job's log streams, its diff is drawn, approve lands it",
  ignore: !HAVE_CHROMIUM && Deno.env.get("CI") === undefined,
  async fn() {
    await using s = await runFixture("", { sandbox: "off" });
    const release = join(s.trace, "release");
    const notes = await s.enqueue("Write the release notes", "echo notes > NOTES.md");
    const id = await s.enqueue(
      "Greet the world",
      `echo line one; until [ -e ${release} ]; do sleep 0.05; done; printf 'hello\\nworld\\n' > hello.txt`,
      "--review",
    );
    const runner = spawnOrk(["run", "--poll", "0.2"], { cwd: s.dir });
    await using d = await serve(s.dir);
    const profile = await Deno.makeTempDir({ prefix: "ork-chromium-" });
    let browser: Browser | undefined;
    try {
      browser = await puppeteer.launch({
        executablePath: CHROMIUM,
        headless: true,
        pipe: true,
        userDataDir: profile,
        args: CHROMIUM_ARGS,
      });
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(String(error)));
      await page.setViewport({ width: 1400, height: 900 });
      assert.equal((await page.goto(`${d.base}/`))?.status(), 403, "the page without the token");
      assert.equal((await page.goto(d.url))?.status(), 200);
      assert.equal(page.url(), `${d.base}/`, "the token left the address bar");

      await page.waitForSelector(`#jobs tr[data-id="${notes}"][data-status="completed"]`);
      await page.waitForSelector(`#jobs tr[data-id="${id}"]`);
      await page.click(`#jobs tr[data-id="${id}"]`);
      // Its log, live, while the command still waits.
      await page.waitForSelector("#log .line::-p-text(line one)");
      assert.equal((await s.queue.get(id)).status, "running");
      await Deno.writeTextFile(release, "");
      await page.waitForSelector("#job-status::-p-text(awaiting_review)");
      await page.waitForSelector(".d2h-file-wrapper");
      assert.match(await page.$eval(".d2h-file-name", (e) => e.textContent ?? ""), /hello\.txt/);
      assert.equal((await page.$$(".d2h-ins")).length >= 2, true, "the added lines are drawn");
      const shot = Deno.env.get("ORK_SCREENSHOT");
      if (shot) await page.screenshot({ path: shot as `${string}.png` });
      await assert.rejects(s.show("hello.txt"), "landed before the approval");

      await page.click('button[data-action="approve"]');
      await page.waitForSelector("#job-status::-p-text(completed)");
      assert.equal(await s.show("hello.txt"), "hello\nworld");
      assert.equal((await s.queue.get(id)).status, "completed");
      assert.deepEqual(errors, []);
    } finally {
      const chromium = browser?.process();
      await browser?.close();
      if (chromium) {
        await waitFor("Chromium to exit", () => chromium.exitCode !== null || chromium.signalCode !== null);
      }
      await Deno.remove(profile, { recursive: true });
      runner.kill("SIGINT");
      await runner.output();
    }
    assert.equal(await git(s.dir, "status", "--porcelain"), "");
  },
});
