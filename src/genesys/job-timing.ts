/**
 * How long this client's jobs of one kind usually take, so polling can wait for most of that before the
 * first status call instead of spending calls (and rate-limit budget) on a job that cannot be done yet.
 * Real import jobs take seconds; polling from 50 ms and doubling costs five or six calls per job, this
 * about two. The estimate only ever comes from jobs this client saw finish.
 */
export class JobTiming {
  readonly #samples = new Map<string, number[]>();

  constructor(private readonly window = 16) {}

  /** Records that a job of kind `what` was seen finished `ms` after its upload. */
  record(what: string, ms: number): void {
    const samples = this.#samples.get(what) ?? [];
    samples.push(ms);
    if (samples.length > this.window) samples.shift();
    this.#samples.set(what, samples);
  }

  /** The median of recent durations of `what`, or undefined before any job of that kind finished. */
  typical(what: string): number | undefined {
    const samples = this.#samples.get(what);
    if (!samples || samples.length === 0) return undefined;
    const sorted = [...samples].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  }
}

/**
 * The waits before each status call: with a typical duration known, first most of it (80%: a job that
 * finished sooner is seen then, and the estimate drifts down to it), then short steps (15% of it)
 * doubling up to `max`; without one, `initial` doubling up to `max`.
 */
export function pollWaits(initial: number, max: number, typical: number | undefined): () => number {
  const clamp = (ms: number): number => Math.max(1, Math.min(max, Math.round(ms)));
  const first = typical === undefined ? initial : typical * 0.8;
  let step = typical === undefined ? initial * 2 : Math.max(initial, typical * 0.15);
  let calls = 0;
  return () => {
    calls += 1;
    if (calls === 1) return clamp(first);
    const wait = clamp(step);
    step *= 2;
    return wait;
  };
}
