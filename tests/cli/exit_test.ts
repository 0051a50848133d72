import assert from "node:assert/strict";
import { errorLine, ExitCode, exitCodeFor, PATH_PROBLEM_HINT, pathProblem } from "../../src/cli/exit.ts";
import { InputError } from "../../src/errors/mod.ts";

/** A Deno error as Deno's fs ops raise it: the OS message naming the op and path, and the errno's name. */
function osError(error: Error, code: string): Error {
  return Object.assign(error, { code });
}

Deno.test("a path of the wrong kind, unreadable or read-only is the user's to fix: exit 2, the OS message and a hint", () => {
  const cases = [
    osError(
      new Deno.errors.IsADirectory("Is a directory (os error 21): readfile '/r/.ork/logs/x.log'"),
      "EISDIR",
    ),
    osError(new Deno.errors.NotADirectory("Not a directory (os error 20): mkdir '/r/.ork/queue'"), "ENOTDIR"),
    osError(new Deno.errors.PermissionDenied("Permission denied (os error 13): open '/r/.ork/x'"), "EACCES"),
    osError(
      new Deno.errors.PermissionDenied("Operation not permitted (os error 1): mkdir '/sys/x'"),
      "EPERM",
    ),
    osError(
      new Deno.errors.FilesystemLoop("Too many levels of symbolic links (os error 40): readfile '/a'"),
      "ELOOP",
    ),
    // Deno 2.9 has no class for EROFS: a plain Error with the errno's name.
    osError(new Error("Read-only file system (os error 30): writefile '/ro/x'"), "EROFS"),
    // `mkdir -p` over a file (`.ork/archive` is a file).
    osError(new Deno.errors.AlreadyExists("File exists (os error 17): mkdir '/r/.ork/archive'"), "EEXIST"),
  ];
  for (const error of cases) {
    const problem = pathProblem(error);
    assert.ok(problem, error.message);
    assert.equal(exitCodeFor(problem), ExitCode.badInput);
    assert.equal(errorLine(problem), `ork: ${error.message}; ${PATH_PROBLEM_HINT}`);
  }
});

Deno.test("other errors are not path problems: bugs stay bugs (exit 70), ork errors keep their own line", () => {
  assert.equal(pathProblem(new TypeError("x is undefined")), undefined);
  assert.equal(
    pathProblem(new Deno.errors.NotFound("No such file or directory (os error 2): open '/x'")),
    undefined,
  );
  // "Already exists" from anything but mkdir (a lock's createNew, a rename) is a race ork should have handled.
  assert.equal(
    pathProblem(osError(new Deno.errors.AlreadyExists("File exists (os error 17): open '/r/x'"), "EEXIST")),
    undefined,
  );
  assert.equal(pathProblem(new InputError("bad", "fix")), undefined);
  assert.equal(pathProblem("a string"), undefined);
});
