/**
 * `ORK_PORT`: each worker slot's block of free TCP ports on 127.0.0.1, the same for a job, its setup and its
 * gates, so that the test servers of jobs running at once do not collide.
 *
 * @module
 */

import { OrkError } from "../errors/mod.ts";

/** How many ports a block has: `ORK_PORT` to `ORK_PORT + 9`. */
export const PORT_BLOCK_SIZE = 10;
/** Blocks start at multiples of the block size in this range, below the usual ephemeral ports (32768 up). */
const FIRST_PORT = 20_000;
const BLOCKS = 1_200;
/** The blocks this process's workers hold, so that two of its slots never share one. */
const held = new Set<number>();

/**
 * A block of {@link PORT_BLOCK_SIZE} ports that are free now (each can be bound on 127.0.0.1) and that no other
 * slot of this process holds; `current` is kept while it is still free. Another process may bind a port of it
 * later: the block is a convention between ork's jobs, not a reservation.
 *
 * @param current the slot's block so far, if any
 * @returns the first port of the block
 * @throws {OrkError} `job-failed` when no free block is found after many tries
 */
export function portBlock(current?: number): number {
  if (current !== undefined && blockFree(current)) return current;
  if (current !== undefined) held.delete(current);
  for (let attempt = 0; attempt < 200; attempt++) {
    const first = FIRST_PORT + Math.floor(Math.random() * BLOCKS) * PORT_BLOCK_SIZE;
    if (held.has(first) || !blockFree(first)) continue;
    held.add(first);
    return first;
  }
  throw new OrkError(
    "job-failed",
    `no block of ${PORT_BLOCK_SIZE} free ports between ${FIRST_PORT} and ${
      FIRST_PORT + BLOCKS * PORT_BLOCK_SIZE
    }`,
    "stop what holds those ports ('ss -ltn')",
  );
}

/** Whether every port of the block starting at `first` can be bound on 127.0.0.1 now. */
function blockFree(first: number): boolean {
  const listeners: Deno.Listener[] = [];
  try {
    for (let port = first; port < first + PORT_BLOCK_SIZE; port++) {
      listeners.push(Deno.listen({ hostname: "127.0.0.1", port }));
    }
    return true;
  } catch {
    return false;
  } finally {
    for (const listener of listeners) listener.close();
  }
}
