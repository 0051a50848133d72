/**
 * Job worktrees' environments: the results of `environment.setup`, kept per key under `.ork/env/` and copied
 * into each worktree. Running setup is the runner's (`runner/environment.ts`); this folder keeps and copies.
 *
 * @module
 */

export {
  environmentKey,
  type EnvironmentMeta,
  environmentsToPrune,
  findEnvironment,
  linkOnTheWay,
  listEnvironments,
  removeEnvironment,
  restoreEnvironment,
  type StoredEnvironment,
  storeEnvironment,
} from "./store.ts";
export { type CheckoutLeak, checkoutLeaks, describeLeaks } from "./leaks.ts";
