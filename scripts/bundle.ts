/**
 * `deno task bundle`: builds the one-file `dist/ork.js` with `deno bundle`, then makes the bundle's `require`
 * of Node built-ins lazy.
 *
 * Why: commander is CommonJS, so the bundle starts with `import { createRequire } from "node:module"` and
 * commander requires `node:child_process`, `node:fs` and `node:process` as it loads. Loading those costs about
 * as much as all of ork's own work in `ork enqueue`, yet commander only uses them for things ork never does
 * (executable subcommands) or on its error paths. Here each required built-in becomes a proxy that loads the
 * real module on first use, so behaviour is unchanged and the cost is paid only when a built-in is really used.
 *
 * Usage: deno run --allow-all scripts/bundle.ts [output]   (default: dist/ork.js)
 */

import { Buffer } from "node:buffer";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { fileURLToPath as fromFileUrl } from "node:url";

const checkout = join(dirname(fromFileUrl(import.meta.url)), "..");
const output = Deno.args[0] ?? join(checkout, "dist", "ork.js");

/**
 * CommonJS packages that most commands never run: yaml is only needed when a config file changed (the
 * validated config is cached), secretlint only by the `secrets` gate.
 */
const LAZY_PACKAGES = [
  "dax",
  "@logtape/logtape",
  "yaml",
  "@secretlint/core",
  "@secretlint/secretlint-rule-preset-recommend",
  "structured-source",
];

const EAGER_REQUIRE = [
  `import { createRequire as __deno_internal_createRequire } from "node:module";`,
  `var __require = __deno_internal_createRequire(import.meta.url);`,
].join("\n");

// node:events and node:path are cheap and needed at load (commander's Command extends EventEmitter).
const LAZY_REQUIRE = `import __ork_events from "node:events";
import __ork_path from "node:path";
var __ork_builtins = { "node:events": __ork_events, "events": __ork_events, "node:path": __ork_path, "path": __ork_path };
var __require = (id) => __ork_builtins[id] ??= __ork_lazy_builtin(id);
function __ork_lazy_builtin(id) {
  let real;
  const load = () => real ??= globalThis.process.getBuiltinModule(id);
  return new Proxy(function () {}, {
    get: (_target, key) => Reflect.get(load(), key),
    set: (_target, key, value) => Reflect.set(load(), key, value),
    has: (_target, key) => Reflect.has(load(), key),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
    apply: (_target, self, args) => Reflect.apply(load(), self, args),
    construct: (_target, args, newTarget) => Reflect.construct(load(), args, newTarget),
  });
}
function __ork_lazy_member(id, name) {
  let real;
  const load = () => real ??= globalThis.process.getBuiltinModule(id)[name];
  return new Proxy(function () {}, {
    get: (_target, key) => Reflect.get(load(), key),
    has: (_target, key) => Reflect.has(load(), key),
    apply: (_target, self, args) => Reflect.apply(load(), self, args),
    construct: (_target, args, newTarget) => Reflect.construct(load(), args, newTarget),
  });
}`;

const bundle = await new Deno.Command(Deno.execPath(), {
  args: [
    "bundle",
    "--quiet",
    "--config",
    join(checkout, "deno.json"),
    "--output",
    output,
    join(checkout, "main.ts"),
  ],
  stdout: "inherit",
  stderr: "inherit",
}).output();
if (!bundle.success) Deno.exit(bundle.code || 1);

let text = await Deno.readTextFile(output);
if (text.includes(EAGER_REQUIRE)) {
  text = text.replace(EAGER_REQUIRE, LAZY_REQUIRE);
} else if (text.includes("__deno_internal_createRequire")) {
  // deno bundle changed its preamble: fail rather than ship a bundle that silently pays the eager cost.
  console.error("bundle: the createRequire preamble of deno bundle changed; update scripts/bundle.ts");
  Deno.exit(1);
}
text = stampBuildCommit(text, await buildCommit());
await Deno.writeTextFile(
  output,
  lazyNodeImports(packCommonJsModules(packLargeModule(text, "mvdan-sh"), LAZY_PACKAGES)),
);
const size = (await Deno.stat(output)).size;
console.log(`bundle: wrote ${output} (${(size / 1024).toFixed(0)} KiB)`);

/**
 * Stores one big CommonJS module's body as a gzip+base64 string, compiled only when it is first required.
 *
 * Why: mvdan-sh (the shell parser that role checks use) is 3.4 MB of code. Inlined as code, the JavaScript
 * engine reads all of it before the bundle's first line runs, which cost every command 30-50 ms although only
 * commands that check a command line ever load it. As a string it is skipped over almost for free.
 */
function packLargeModule(bundle: string, name: string): string {
  const entry = new RegExp(`\\n( *)"[^"\\n]*/${name}/[^"\\n]*/index\\.js"\\(exports, (\\w+)\\) \\{\\n`).exec(
    bundle,
  );
  if (entry === null) {
    console.error(`bundle: ${name} is no longer a CommonJS module in the bundle; update scripts/bundle.ts`);
    Deno.exit(1);
  }
  const [, indent, moduleVar] = entry as unknown as [string, string, string];
  const bodyStart = entry.index + entry[0].length;
  const bodyEnd = bundle.indexOf(`\n${indent}}\n});`, bodyStart);
  if (bodyEnd < 0) {
    console.error(`bundle: cannot find the end of ${name}'s module; update scripts/bundle.ts`);
    Deno.exit(1);
  }
  const packed = Buffer.from(gzipSync(bundle.slice(bodyStart, bodyEnd), { level: 9 })).toString("base64");
  const load = `${indent}  const { gunzipSync } = globalThis.process.getBuiltinModule("node:zlib");\n` +
    `${indent}  const { Buffer } = globalThis.process.getBuiltinModule("node:buffer");\n` +
    `${indent}  new Function("exports", "${moduleVar}", "__require", ` +
    `gunzipSync(Buffer.from(${
      JSON.stringify(packed)
    }, "base64")).toString())(exports, ${moduleVar}, __require);`;
  return bundle.slice(0, bodyStart) + load + bundle.slice(bodyEnd);
}

/**
 * Turns the bundle's static imports of Node built-ins into lazy bindings.
 *
 * Why: ES-module packages (dax) import node:fs, node:child_process, node:process and others at their top; the
 * bundle hoists those imports to module level, so every command paid for loading them (30+ ms) although only
 * `ork run` and friends use dax. Each import becomes a binding that loads the built-in on first use. The
 * declarations go to the top of the bundle, since import bindings are hoisted and may be used from anywhere.
 */
function lazyNodeImports(bundle: string): string {
  /** Built-ins cheap enough to load up front (and commander's Command extends node:events' EventEmitter). */
  const EAGER_BUILTINS = new Set(["node:path", "node:events", "node:buffer", "node:zlib"]);
  /** Names node:stream/web and node:util export that are the very same web globals in Deno. */
  const WEB_GLOBALS = new Set([
    "ReadableStream",
    "WritableStream",
    "TransformStream",
    "TextDecoderStream",
    "TextDecoder",
    "TextEncoder",
  ]);
  const declarations: string[] = [];
  const rewritten = bundle.replace(
    /^import (.+) from "(node:[a-z_/]+)";\n/gm,
    (line, clause: string, id: string) => {
      if (EAGER_BUILTINS.has(id)) return line;
      const namespace = /^\* as (\w+)$/.exec(clause) ?? /^(\w+)$/.exec(clause);
      if (namespace) {
        declarations.push(`var ${namespace[1]} = __ork_lazy_builtin(${JSON.stringify(id)});`);
        return "";
      }
      const named = /^\{ (.+) \}$/.exec(clause);
      if (!named) {
        console.error(`bundle: cannot make this import lazy: ${line.trim()}; update scripts/bundle.ts`);
        Deno.exit(1);
      }
      for (const part of named[1]!.split(", ")) {
        const [imported, local = imported] = part.split(" as ") as [string, string?];
        declarations.push(
          WEB_GLOBALS.has(imported)
            ? `var ${local} = globalThis.${imported};`
            : `var ${local} = __ork_lazy_member(${JSON.stringify(id)}, ${JSON.stringify(imported)});`,
        );
      }
      return "";
    },
  );
  // After the preamble that defines __ork_lazy_builtin and __ork_lazy_member.
  const anchor = rewritten.indexOf("function __ork_lazy_member(");
  const end = rewritten.indexOf("\n}\n", anchor) + 3;
  return rewritten.slice(0, end) + declarations.join("\n") + "\n" + rewritten.slice(end);
}

/**
 * Packs the bodies of every module of `packages` into one gzip+base64 string; each module's wrapper runs its
 * body with a direct `eval` when the module is first required (CommonJS) or initialised (an ES module the
 * bundler made lazy, `init_*`). A direct eval, unlike `new Function`, sees the bundle's own scope, where a
 * module finds the `require_*` functions of the modules it requires and the variables it assigns.
 *
 * An ES module's top-level function declarations sit outside its `init_*` wrapper (the bundler hoists them);
 * they go into the packed body too, as assignments to variables declared where they were, and run first.
 *
 * Why: as for mvdan-sh above, code the engine must read at every start costs every command time, and these
 * packages are large and rarely run.
 */
function packCommonJsModules(bundle: string, packages: readonly string[]): string {
  const entry =
    /\n( *)"([^"\n]*\/registry\.npmjs\.org\/((?:@[^/"]+\/)?[^/"]+)\/[^"\n]*)"\((exports(?:, module)?)?\) \{\n/g;
  const bodies: string[] = [];
  let out = "";
  let from = 0;
  for (let match = entry.exec(bundle); match !== null; match = entry.exec(bundle)) {
    const [whole, indent, , name] = match as unknown as [string, string, string, string];
    if (!packages.includes(name)) continue;
    const bodyStart = match.index + whole.length;
    // From the newline that ends the wrapper's first line: an empty body ends right there.
    const bodyEnd = bundle.indexOf(`\n${indent}}\n});`, bodyStart - 1);
    if (bodyEnd < 0) {
      console.error(`bundle: cannot find the end of a module of ${name}; update scripts/bundle.ts`);
      Deno.exit(1);
    }
    if (bodyEnd < bodyStart) continue; // nothing to pack
    let head = bundle.slice(from, bodyStart);
    let hoisted = "";
    if (match[4] === undefined) {
      // An ES module: its section starts at the bundler's `// <path>` comment before the wrapper.
      // ...and ends where the line with the wrapper (`var init_x = __esm({`) starts.
      const wrapperLine = bundle.lastIndexOf("\n", match.index - 1) + 1;
      const sectionStart = Math.max(from, bundle.lastIndexOf("\n// ", wrapperLine));
      const moved = hoistedFunctions(bundle.slice(sectionStart, wrapperLine));
      head = bundle.slice(from, sectionStart) + moved.rest + bundle.slice(wrapperLine, bodyStart);
      hoisted = moved.assignments;
    }
    out += head + `${indent}  eval(__ork_packed_module(${bodies.length}));`;
    bodies.push(hoisted + bundle.slice(bodyStart, bodyEnd));
    from = bodyEnd;
    entry.lastIndex = bodyEnd;
  }
  if (bodies.length === 0) {
    console.error(
      `bundle: none of ${packages.join(", ")} is a CommonJS module in the bundle; update scripts/bundle.ts`,
    );
    Deno.exit(1);
  }
  out += bundle.slice(from);
  const packed = Buffer.from(gzipSync(JSON.stringify(bodies), { level: 9 })).toString("base64");
  const loader = `var __ork_packed;
function __ork_packed_module(index) {
  if (__ork_packed === undefined) {
    const { gunzipSync } = globalThis.process.getBuiltinModule("node:zlib");
    const { Buffer } = globalThis.process.getBuiltinModule("node:buffer");
    __ork_packed = JSON.parse(gunzipSync(Buffer.from(${JSON.stringify(packed)}, "base64")).toString());
  }
  return __ork_packed[index];
}
`;
  // After the preamble (the first blank line), so the loader exists before any module runs.
  const at = out.indexOf("\n\n") + 2;
  return out.slice(0, at) + loader + out.slice(at);
}

/**
 * Takes the top-level function declarations out of an ES module's section: `rest` keeps the section without
 * them, plus `var <names>;`, and `assignments` holds `<name> = function <name>(...) {...};` for each. The
 * bundler writes such a declaration from a line starting with `function` (or `async function`) to the next line
 * that is just `}`, every line between indented; anything else (a one-line function, a line at the margin in
 * between) stays where it is. Each piece is compiled on its own to make sure it was cut at the right place.
 */
function hoistedFunctions(section: string): { rest: string; assignments: string } {
  const lines = section.split("\n");
  const kept: string[] = [];
  const names: string[] = [];
  const assignments: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const name = /^(?:async )?function\*? ([\w$]+)\(.*\{$/.exec(lines[i]!)?.[1];
    let end = -1;
    if (name !== undefined) {
      for (let j = i + 1; j < lines.length; j++) {
        const line = lines[j]!;
        if (line === "}") {
          end = j;
          break;
        }
        if (line !== "" && !/^\s/.test(line)) break; // at the margin: not inside this function after all
      }
    }
    if (name === undefined || end < 0) {
      kept.push(lines[i]!);
      continue;
    }
    const declaration = lines.slice(i, end + 1).join("\n");
    try {
      new Function(`return (${declaration});`);
    } catch (error) {
      console.error(`bundle: cannot move function ${name} (${error}); update scripts/bundle.ts`);
      Deno.exit(1);
    }
    names.push(name);
    assignments.push(`${name} = ${declaration};`);
    i = end;
  }
  const rest = kept.join("\n");
  if (names.length === 0) return { rest, assignments: "" };
  return { rest: `${rest}var ${names.join(", ")};\n`, assignments: `${assignments.join("\n")}\n` };
}

// --- The build commit, for `ork --version` -------------------------------------------------------------

/**
 * Replaces the stamp of `src/version.ts` (the literal `"ork-build-commit:source"`) with the commit the bundle
 * is built from, so the bundle and the binaries made from it name their commit while ork itself never runs
 * git on its own checkout.
 */
function stampBuildCommit(bundle: string, commit: string): string {
  const placeholder = `"ork-build-commit:source"`;
  const at = bundle.indexOf(placeholder);
  if (at < 0 || bundle.indexOf(placeholder, at + 1) >= 0) {
    console.error(
      "bundle: src/version.ts's build-commit stamp is not in the bundle exactly once; update scripts/bundle.ts",
    );
    Deno.exit(1);
  }
  return bundle.slice(0, at) + JSON.stringify(`ork-build-commit:${commit}`) +
    bundle.slice(at + placeholder.length);
}

/**
 * The checkout's `git rev-parse --short=12 HEAD`, with `-dirty` when `git status` shows any change (untracked
 * files too: a new source file ends up in the bundle as much as an edited one); `unknown`, with a warning, when
 * the checkout is not a git repository (a source tarball).
 */
async function buildCommit(): Promise<string> {
  // A GIT_DIR or GIT_INDEX_FILE set by a hook that runs this build would point git at another repository.
  const env = Deno.env.toObject();
  for (const name of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR"]) delete env[name];
  const git = async (...args: string[]) => {
    const result = await new Deno.Command("git", {
      args: ["-C", checkout, ...args],
      clearEnv: true,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output().catch(() => undefined);
    return result?.success ? new TextDecoder().decode(result.stdout).trim() : undefined;
  };
  const head = await git("rev-parse", "--short=12", "HEAD");
  if (head === undefined) {
    console.error(
      `bundle: cannot read the git commit of ${checkout}; ork --version will say "commit unknown"`,
    );
    return "unknown";
  }
  const status = await git("status", "--porcelain", "--untracked-files=normal");
  return status === "" ? head : `${head}-dirty`;
}
