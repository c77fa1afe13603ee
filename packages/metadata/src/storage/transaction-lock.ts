/**
 * Runs async transactions one at a time, in call order: an embedded storage's transaction awaits
 * between its calls, so without this lock another transaction could interleave with it.
 */
export class TransactionLock {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` once every earlier `run` has settled; resolves or rejects as `fn` does. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
