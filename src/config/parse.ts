/**
 * Parses and validates one config file's text into a {@link ConfigLayer}, or throws one {@link ConfigError}
 * naming the file, the line, the key and the fix. Pure: no files, no defaults.
 *
 * This module imports `yaml` and `zod`, which together cost tens of milliseconds; `load.ts` imports it only
 * when a config file has content, and `mod.ts` does not re-export it.
 *
 * @module
 */

import {
  type Document,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from "yaml";
import type * as z from "zod/mini";
import { ConfigError, messageOf } from "../errors/mod.ts";
import { DEFAULT_GATE_TIMEOUT, DEFAULT_MAX_BYTES } from "./defaults.ts";
import { FIELDS, FILE_KEYS, FILE_SCHEMAS, type FileData, ROLE_NAME_PATTERN } from "./schema.ts";
import {
  type AgentPreset,
  CONFIG_FILES,
  type ConfigFile,
  type ConfigLayer,
  type GateConfig,
  type RoleConfig,
} from "./types.ts";

/**
 * Parses one config file. The file may set any subset of its keys; an empty or comments-only text is `{}`.
 *
 * @param file which file the text is from, as a path relative to the repository root
 * @param text the file's content
 * @returns the keys the file sets, with per-gate and per-role defaults filled in
 * @throws {ConfigError} `config-invalid` for a YAML syntax error, a top level that is not a mapping, an unknown
 *   key, a wrong type, an out-of-range value or an invalid regular expression: the first one in the file
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const layer = parseConfigText("config/orchestrator.yaml", "orchestrator:\n  max_concurrent: 5\n");
 * assert.deepEqual(layer, { orchestrator: { max_concurrent: 5 } });
 * ```
 */
export function parseConfigText(file: ConfigFile, text: string): ConfigLayer {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;

  const syntaxError = doc.errors[0];
  if (syntaxError !== undefined) {
    throw new ConfigError(
      file,
      lineAt(syntaxError.pos[0]),
      `YAML syntax error: ${syntaxError.message.split("\n")[0]}`,
      "fix the YAML syntax at that line",
    );
  }
  if (doc.contents === null) return {};
  if (!isMap(doc.contents)) {
    throw new ConfigError(
      file,
      doc.contents.range ? lineAt(doc.contents.range[0]) : 1,
      `expected a mapping at the top level (${FILE_KEYS[file].map((key) => `${key}:`).join(", ")}), got ${
        describe(doc.contents.toJSON())
      }`,
      `start the file with ${FILE_KEYS[file].join(": or ")}: at the left margin`,
    );
  }

  // A mapping key `__proto__` becomes the object's prototype, not a key: the check below would never see it.
  let prototypeKey: number | undefined | null = null;
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === "__proto__") {
        prototypeKey = pair.key.range ? lineAt(pair.key.range[0]) : undefined;
        return visit.BREAK;
      }
    },
  });
  if (prototypeKey !== null) {
    throw new ConfigError(file, prototypeKey, 'a key named "__proto__" is not allowed', "rename the key");
  }

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // Only alias bombs get here (yaml caps alias expansion); the document parsed, so blame its first line.
    throw new ConfigError(
      file,
      1,
      `cannot read the YAML: ${messageOf(error)}`,
      "",
    );
  }

  const result = FILE_SCHEMAS[file].safeParse(data);
  if (!result.success) throw issueError(file, doc, lineAt, data, result.error.issues);
  return toLayer(file, result.data);
}

/** Fills the per-gate and per-role defaults into what the schema accepted. */
function toLayer(file: ConfigFile, data: FileData[ConfigFile]): ConfigLayer {
  const layer: ConfigLayer = {};
  if (file === CONFIG_FILES.orchestrator) {
    const { orchestrator, landing, environment, hooks, rate_limit, agents, merge_gates } = data as FileData[
      typeof CONFIG_FILES.orchestrator
    ];
    if (orchestrator !== undefined && orchestrator !== null) layer.orchestrator = orchestrator;
    if (landing !== undefined && landing !== null) layer.landing = landing;
    if (environment !== undefined && environment !== null) layer.environment = environment;
    if (hooks !== undefined && hooks !== null) layer.hooks = hooks;
    if (rate_limit !== undefined && rate_limit !== null) layer.rate_limit = rate_limit;
    if (agents !== undefined && agents !== null) {
      layer.agents = Object.fromEntries(
        Object.entries(agents).map(([name, agent]): [string, AgentPreset] => [
          name,
          { command: agent.command, writable: agent.writable ?? [], env: agent.env ?? {} },
        ]),
      );
    }
    if (merge_gates !== undefined) {
      layer.merge_gates = merge_gates.map((gate): GateConfig => {
        const type = gate.type ?? "shell";
        return {
          name: gate.name,
          type,
          ...(gate.command === undefined ? {} : { command: gate.command }),
          required: gate.required ?? true,
          timeout: gate.timeout ?? DEFAULT_GATE_TIMEOUT,
          ...(type === "file_size" ? { max_bytes: gate.max_bytes ?? DEFAULT_MAX_BYTES } : {}),
          ...(gate.allow === undefined ? {} : { allow: gate.allow }),
          ...(gate.exclude === undefined ? {} : { exclude: gate.exclude }),
          ...(gate.retries === undefined ? {} : { retries: gate.retries }),
          ...(gate.parallel === undefined ? {} : { parallel: gate.parallel }),
        };
      });
    }
  } else {
    const { roles, forbidden_patterns } = data as FileData[typeof CONFIG_FILES.roles];
    if (roles !== undefined) {
      layer.roles = Object.fromEntries(
        Object.entries(roles).map(([name, role]): [string, RoleConfig] => [
          name,
          {
            ...role,
            forbidden_patterns: role.forbidden_patterns ?? [],
            sandbox_writable: role.sandbox_writable ?? [],
          },
        ]),
      );
    }
    if (forbidden_patterns !== undefined) layer.forbidden_patterns = forbidden_patterns;
  }
  return layer;
}

/** One problem ready to report, with the line it is on. */
interface Problem {
  line: number | undefined;
  message: string;
  hint: string;
}

/** Turns zod's issues into one error: the problem nearest the top of the file, so fixes go top to bottom. */
function issueError(
  file: ConfigFile,
  doc: Document,
  lineAt: (offset: number) => number,
  data: unknown,
  issues: readonly z.core.$ZodIssue[],
): ConfigError {
  const problems = issues.flatMap((issue) => describeIssue(file, doc, lineAt, data, issue));
  const first = problems.reduce((best, problem) =>
    (problem.line ?? Infinity) < (best.line ?? Infinity) ? problem : best
  );
  return new ConfigError(file, first.line, first.message, first.hint);
}

/** The problems one zod issue stands for: one, except an unknown-keys issue gives one a key. */
function describeIssue(
  file: ConfigFile,
  doc: Document,
  lineAt: (offset: number) => number,
  data: unknown,
  issue: z.core.$ZodIssue,
): Problem[] {
  const path = issue.path.filter((segment) => typeof segment !== "symbol");
  const line = (at: readonly (string | number)[], key?: string) => {
    const offset = locate(doc, at, key);
    return offset === undefined ? undefined : lineAt(offset);
  };

  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      line: line(path, key),
      message: path.length === 0 ? `unknown key "${key}"` : `${dotted(path)}: unknown key "${key}"`,
      hint: unknownKeyHint(file, path, key),
    }));
  }
  if (issue.code === "invalid_key") {
    const name = String(path[path.length - 1]);
    const [kind, example] = path[0] !== "agents"
      ? ["role", "bug-catcher"]
      : path.length > 2
      ? ["variable", "MY_TOKEN"]
      : ["agent", "my-agent"];
    const pattern = kind === "variable" ? "^[A-Za-z_][A-Za-z0-9_]*$" : ROLE_NAME_PATTERN.source;
    return [{
      line: line(path),
      message: `${dotted(path.slice(0, -1))}: invalid ${kind} name ${JSON.stringify(name)}`,
      hint:
        `name ${kind}s with letters, digits${
          kind === "variable" ? "" : ", -"
        } and _ (matching ${pattern}), ` +
        `such as ${example}`,
    }];
  }
  if (issue.code === "custom") {
    const hint = issue.params?.hint;
    return [{
      line: line(path),
      message: `${dotted(path)}: ${issue.message}`,
      hint: typeof hint === "string" ? hint : "",
    }];
  }

  const spec = FIELDS[pattern(path)];
  const value = valueAt(data, path);
  if (value === undefined && path.length > 0) {
    // zod reports a missing required key as a wrong type at the key's path; say it is missing instead.
    const key = String(path[path.length - 1]);
    return [{
      line: line(path),
      message: `${dotted(path.slice(0, -1))}: missing key "${key}"`,
      hint: `add ${key}: with ${spec?.expected ?? "a value"}`,
    }];
  }
  const expected = issue.code === "too_big"
    ? `${spec?.expected ?? "a value"} and <= ${issue.maximum}`
    : spec?.expected;
  return [{
    line: line(path),
    message: `${dotted(path)}: expected ${expected ?? issue.message}, got ${describe(value)}`,
    hint: spec?.hint ?? "",
  }];
}

/** The hint for an unknown key: a near miss, a key of the other file, or a setting outside its section. */
function unknownKeyHint(file: ConfigFile, path: readonly (string | number)[], key: string): string {
  const known = knownKeys(file, path);
  const otherFile = (Object.keys(FILE_KEYS) as ConfigFile[]).find((other) =>
    other !== file && FILE_KEYS[other].includes(key)
  );
  const list = `known keys${path.length === 0 ? ` in ${file}` : ""}: ${known.join(", ")}`;
  if (path.length === 0 && otherFile !== undefined) return `"${key}" belongs in ${otherFile}; ${list}`;
  if (
    path.length === 0 && FIELDS[`orchestrator.${key}`] !== undefined && file === CONFIG_FILES.orchestrator
  ) {
    return `indent "${key}" under orchestrator:; ${list}`;
  }
  const near = closest(key, known);
  return near === undefined ? list : `did you mean "${near}"? ${list}`;
}

/** The keys allowed in the mapping at `path`, in {@link FIELDS} order. */
function knownKeys(file: ConfigFile, path: readonly (string | number)[]): string[] {
  if (path.length === 0) return [...FILE_KEYS[file]];
  const prefix = `${pattern(path)}.`;
  return Object.keys(FIELDS)
    .filter((field) => field.startsWith(prefix) && !/[.[]/.test(field.slice(prefix.length)))
    .map((field) => field.slice(prefix.length));
}

/** The known key nearest to a misspelt one, if one is near enough to be what was meant. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate);
    if (best === undefined || distance < best.distance) best = { key: candidate, distance };
  }
  const limit = Math.max(2, Math.floor(key.length / 3));
  return best !== undefined && best.distance <= limit ? best.key : undefined;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The {@link FIELDS} pattern of a path: list indexes become `[]`, role names `*`. */
function pattern(path: readonly (string | number)[]): string {
  let result = "";
  for (const segment of path) {
    if (typeof segment === "number") result += "[]";
    else if (result === "roles" || result === "agents" || result === "agents.*.env") result += ".*";
    else result += result === "" ? segment : `.${segment}`;
  }
  return result;
}

/** A path as the user would write it: `merge_gates[1].name`, `roles.bug-catcher.allowed_tools`. */
function dotted(path: readonly (string | number)[]): string {
  let result = "";
  for (const segment of path) {
    if (typeof segment === "number") result += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) result += result === "" ? segment : `.${segment}`;
    else result += `[${JSON.stringify(segment)}]`;
  }
  return result;
}

/** The value at `path` in the parsed data, or undefined when the path does not exist. */
function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let value = data;
  for (const segment of path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

/** A value as it reads in an error message. */
function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  }
  return String(value);
}

/**
 * The source offset to report for `path`: a scalar's own position; for a mapping or list, or a null value, the
 * key that holds it; for a path that does not exist, the deepest part that does. With `key`, the offset of that
 * key in the mapping at `path` (an unknown key).
 */
function locate(doc: Document, path: readonly (string | number)[], key?: string): number | undefined {
  let node: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) =>
        isScalar(item.key) && String(item.key.value) === String(segment)
      );
      if (pair === undefined) break;
      keyNode = isNode(pair.key) ? pair.key : undefined;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number" && node.items[segment] !== undefined) {
      keyNode = undefined;
      node = node.items[segment];
    } else break;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
    if (pair !== undefined && isNode(pair.key)) return pair.key.range?.[0];
  }
  if (isScalar(node) && node.value !== null && node.range) return node.range[0];
  return keyNode?.range?.[0] ?? (isNode(node) ? node.range?.[0] : undefined);
}
