/** ork's version; a test keeps it equal to deno.json's `version`. */
export const VERSION = "0.1.0";

/**
 * The stamp `scripts/bundle.ts` rewrites: it replaces this exact literal, quotes included, with
 * `"ork-build-commit:<commit>"`. The literal appears once in the whole bundle and nothing compares against
 * it, so the rewrite cannot change any other code.
 */
const BUILD_STAMP: string = "ork-build-commit:source";

/**
 * The git commit ork was built from (`git rev-parse --short=12 HEAD`, with `-dirty` when the checkout had
 * changes), stamped into the bundle and so into the binaries; `source` when ork runs from its source files.
 * ork never runs git on its own checkout to find it: nothing of the source tree is read at run time.
 */
export const BUILD_COMMIT: string = BUILD_STAMP.slice(BUILD_STAMP.indexOf(":") + 1);
