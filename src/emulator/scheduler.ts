/**
 * Timers of one emulator instance. Jobs finish on timers (so a job completes even if nobody polls),
 * and `close()` must leave nothing behind that keeps the process alive.
 */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<() => void>();
  private closed = false;

  /** Runs `fn` after `ms` (never, once closed). Errors in `fn` are reported to `onError`. */
  after(ms: number, fn: () => void, onError: (err: unknown) => void = () => {}): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      try {
        fn();
      } catch (err) {
        onError(err);
      }
    }, ms);
    this.timers.add(timer);
  }

  /** Waits `ms`; resolves at once when the scheduler closes (used for injected latency). */
  sleep(ms: number): Promise<void> {
    if (this.closed || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.sleepers.delete(done);
        resolve();
      };
      this.sleepers.add(done);
      this.after(ms, done);
    });
  }

  /** Cancels every pending timer and wakes every sleeper. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of [...this.sleepers]) wake();
  }
}
