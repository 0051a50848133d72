/**
 * Lock holders in child processes, for the lock tests and the CLI's end-to-end tests.
 *
 * @module
 */

import { join } from "node:path";

const HOLDER_TS = join(import.meta.dirname!, "_holder.ts");

/** A child process that holds a lock until it is killed. */
export interface Holder extends AsyncDisposable {
  /** The child's pid, which it recorded in the lock file. */
  readonly pid: number;
  /** Kills the child with `signal` and waits for it to be gone (its lock is then released by the kernel). */
  kill(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** Starts `_holder.ts` on `lockPath` and resolves once it has printed "locked". */
export async function spawnHolder(lockPath: string, purpose = "test-holder"): Promise<Holder> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", HOLDER_TS, lockPath, purpose],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  try {
    while (!seen.includes("locked\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`holder exited before locking; it printed: ${JSON.stringify(seen)}`);
      seen += value;
    }
  } catch (error) {
    child.kill("SIGKILL");
    await child.status;
    throw error;
  } finally {
    await reader.cancel();
  }
  let status: Promise<Deno.CommandStatus> | undefined;
  const kill = (signal: Deno.Signal = "SIGKILL") => {
    if (status === undefined) {
      child.kill(signal);
      status = child.status;
    }
    return status;
  };
  return { pid: child.pid, kill, [Symbol.asyncDispose]: async () => void await kill() };
}
