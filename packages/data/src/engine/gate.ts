/**
 * A readers-writer gate: commits hold it shared, `gc()` holds it exclusively, so garbage collection
 * never deletes objects that an open commit has written but not yet linked from a branch.
 */
export class Gate {
  #shared = 0;
  #exclusive = false;
  #waiters: Array<() => void> = [];

  async #wait(ready: () => boolean): Promise<void> {
    while (!ready()) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Runs `fn` while holding the gate shared. */
  async shared<T>(fn: () => Promise<T>): Promise<T> {
    await this.#wait(() => !this.#exclusive);
    this.#shared++;
    try {
      return await fn();
    } finally {
      this.#shared--;
      this.#wake();
    }
  }

  /** Runs `fn` while holding the gate alone. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    await this.#wait(() => !this.#exclusive && this.#shared === 0);
    this.#exclusive = true;
    try {
      return await fn();
    } finally {
      this.#exclusive = false;
      this.#wake();
    }
  }
}
