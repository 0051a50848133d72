import assert from "node:assert/strict";
import { globMatcher, globToRegExp } from "../../src/gates/mod.ts";

const matches = (glob: string, path: string) => globToRegExp(glob).test(path);

Deno.test("a glob without a slash matches a name at any depth", () => {
  assert.ok(matches("*.pem", "dev.pem"));
  assert.ok(matches("*.pem", "certs/dev.pem"));
  assert.ok(!matches("*.pem", "dev.pem.txt"));
  assert.ok(matches("fixtures", "tests/fixtures/a.env"), "a folder's name matches the files below it");
});

Deno.test("a glob with a slash is anchored at the repository's top", () => {
  assert.ok(matches("config/*.env", "config/app.env"));
  assert.ok(!matches("config/*.env", "sub/config/app.env"));
  assert.ok(!matches("config/*.env", "config/deep/app.env"), "* does not cross a slash");
  assert.ok(matches("/config/*.env", "config/app.env"), "a leading slash is dropped");
});

Deno.test("** crosses folders", () => {
  assert.ok(matches("tests/fixtures/**", "tests/fixtures/keys/aws.env"));
  assert.ok(matches("**/secrets.yaml", "secrets.yaml"));
  assert.ok(matches("**/secrets.yaml", "a/b/secrets.yaml"));
  assert.ok(matches("assets/**/*.png", "assets/png/logo.png"));
  assert.ok(matches("assets/**/*.png", "assets/logo.png"));
  assert.ok(!matches("assets/**/*.png", "other/assets/logo.png"));
});

Deno.test("?, [..] and {a,b} work as in a shell", () => {
  assert.ok(matches("file?.txt", "file1.txt"));
  assert.ok(!matches("file?.txt", "file10.txt"));
  assert.ok(matches("[ab].txt", "b.txt"));
  assert.ok(!matches("[!ab].txt", "b.txt"));
  assert.ok(matches("*.{png,jpg}", "img/x.jpg"));
  assert.ok(!matches("*.{png,jpg}", "img/x.gif"));
});

Deno.test("regular expression characters in a glob are literal", () => {
  assert.ok(matches("a+b(1).txt", "a+b(1).txt"));
  assert.ok(!matches("a.txt", "abtxt"));
});

Deno.test("globMatcher matches any of its globs, and none when it has none", () => {
  const allowed = globMatcher(["tests/fixtures/**", "*.example"]);
  assert.ok(allowed("tests/fixtures/x"));
  assert.ok(allowed("config/app.env.example"));
  assert.ok(!allowed("src/app.env"));
  assert.ok(!globMatcher([])("anything"));
});
