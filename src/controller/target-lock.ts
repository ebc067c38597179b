/**
 * One promotion at a time per target org. Two IvrPromotions that point at the same org (say, two
 * flow sets owned by different teams) must not plan against each other's half-applied changes or
 * share the org's rate limit in an uncoordinated burst; so their plan-and-apply sections queue up.
 * In-process only: across replicas, leader election already makes one process the only writer.
 */

/** The lock key of a target: where it is (endpoint or region) and who we are there (OAuth client id). */
export function targetLockKey(target: { endpoint?: string; region?: string }, clientId: string): string {
  const where = target.endpoint
    ? `endpoint ${target.endpoint.replace(/\/+$/, "")}`
    : `region ${target.region ?? ""}`;
  return `${where}\n${clientId}`;
}

/** A keyed async mutex: holders of the same key run one after another, in arrival order. */
export class TargetLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` while holding `key`. Waiting ends early (rejecting with the abort reason) when `signal` aborts. */
  async run<T>(key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    // The next holder waits for us whether we run, fail, or give up waiting.
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    try {
      await waitOrAbort(previous, signal);
      return await fn();
    } finally {
      // If we gave up while waiting, our slot still opens only after the previous holder is done.
      void previous.then(release);
      void tail.then(() => {
        if (this.tails.get(key) === tail) this.tails.delete(key);
      });
    }
  }

  /** Keys currently held or waited for (for tests and debugging). */
  get size(): number {
    return this.tails.size;
  }
}

function waitOrAbort(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}
