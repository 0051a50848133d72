/**
 * Promises started now and awaited later. A rejection nobody awaits yet would end the runner, so such a promise
 * is settled at once into a value or an error, and the error is thrown where it is awaited.
 *
 * @module
 */

/** How a promise ended. */
export type Settled<T> = { value: T } | { error: unknown };

/** `promise`, never rejecting: its value or its error. */
export function settled<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then((value) => ({ value }), (error: unknown) => ({ error }));
}

/** The value of a settled promise; throws its error. */
export function unwrap<T>(result: Settled<T>): T {
  if ("error" in result) throw result.error;
  return result.value;
}
