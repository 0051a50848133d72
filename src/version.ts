/** ork's version; a test keeps it equal to deno.json's `version`. */
export const VERSION = "0.1.0";

/**
 * The git commit ork was built from (`git rev-parse --short=12 HEAD`, with `-dirty` when the checkout had
 * changes), set by the bundle's entry (`scripts/bundle.ts`) and so in the binaries; `source` when ork runs
 * from its source files. ork never runs git on its own checkout to find it: nothing of the source tree is read
 * at run time.
 */
export let BUILD_COMMIT = "source";

/** Sets {@link BUILD_COMMIT}: called by the bundle's entry before `main`, never by ork itself. */
export function stampBuildCommit(commit: string): void {
  BUILD_COMMIT = commit;
}
