import assert from "node:assert/strict";
import { findAssignedSecrets, looksLikeSecret, shannonEntropy } from "../../src/gates/entropy.ts";
import { maskSecret } from "../../src/gates/mod.ts";

Deno.test("maskSecret shows at most the first and last 4 characters", () => {
  assert.equal(maskSecret("AKIAQX7Z3N5P2R4T6V8W"), "AKIA************6V8W");
  assert.equal(maskSecret("k9Xq2LmV8rT5wP"), "k9**********wP");
  assert.equal(maskSecret("hunter2"), "*******");
  assert.equal(maskSecret(""), "");
  const long = maskSecret("x".repeat(3000));
  assert.equal(long, `xxxx${"*".repeat(32)}xxxx`, "the stars are capped");
  assert.equal(maskSecret("\nBEGIN-middle-part-END\n"), `*BEG${"*".repeat(15)}END*`, "no line breaks");
});

Deno.test("shannonEntropy is in bits per character", () => {
  assert.equal(shannonEntropy(""), 0);
  assert.equal(shannonEntropy("aaaa"), 0);
  assert.equal(shannonEntropy("abcd"), 2);
  assert.ok(shannonEntropy("k9Xq2LmV8rT5wP1yS7uB4nC6") > 4);
});

Deno.test("looksLikeSecret wants mixed, high-entropy values, not names, paths or words", () => {
  assert.ok(looksLikeSecret("k9Xq2LmV8rT5wP1yS7uB4nC6"));
  assert.ok(looksLikeSecret("4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f"), "32 hex digits");
  assert.ok(!looksLikeSecret("4f3c2a1b0e9d8c7b"), "16 hex digits: too short for hex");
  assert.ok(!looksLikeSecret("my-secret-name-here"), "no digit");
  assert.ok(!looksLikeSecret("process.env.TOKEN2"), "a dotted name");
  assert.ok(!looksLikeSecret("certs/server-2024.pem"), "a path");
  assert.ok(!looksLikeSecret("aaaaaaaaaaaaaaaa1111"), "low entropy");
  assert.ok(!looksLikeSecret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), "AWS's documented example");
});

Deno.test("findAssignedSecrets finds values assigned to secret-sounding names in common syntaxes", () => {
  const value = "k9Xq2LmV8rT5wP1yS7uB4nC6";
  for (
    const line of [
      `API_KEY=${value}`,
      `export GITHUB_TOKEN="${value}"`,
      `db_password: '${value}'`,
      `"clientSecret": "${value}",`,
      `config[:auth_token] = "${value}"`,
      `settings := map{"token" => "${value}"}`,
      `password = \`${value}\``,
    ]
  ) {
    const found = findAssignedSecrets(`first line\n${line}\n`);
    assert.deepEqual(found.map((f) => f.value), [value], line);
    assert.equal(`first line\n${line}\n`.slice(found[0]!.index, found[0]!.index + value.length), value);
  }
});

Deno.test("findAssignedSecrets ignores other names, and code", () => {
  const value = "k9Xq2LmV8rT5wP1yS7uB4nC6";
  assert.deepEqual(findAssignedSecrets(`name = "${value}"`), []);
  assert.deepEqual(findAssignedSecrets(`const token = req.headers.get("x-token");`), []);
  assert.deepEqual(findAssignedSecrets(`if (key == other) return;`), []);
});

Deno.test("findAssignedSecrets takes linear time on a long line without separators", () => {
  const text = `key${"a1B2".repeat(250_000)}`;
  const started = performance.now();
  findAssignedSecrets(text);
  assert.ok(performance.now() - started < 500);
});
