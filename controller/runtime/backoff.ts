/**
 * Reconnect timing: capped exponential backoff with jitter, and an abortable sleep.
 */

/** Options of {@link Backoff}. */
export interface BackoffOptions {
  /** First delay (before jitter), ms. @default 800 */
  initialMs?: number;
  /** Cap (before jitter), ms. @default 30000 */
  maxMs?: number;
  /** Growth factor per attempt. @default 2 */
  factor?: number;
  /** Random source in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * Capped exponential backoff with "equal jitter": attempt n waits a uniformly random duration
 * in `[d/2, d]` where `d = min(maxMs, initialMs · factor^n)`; so never more than `maxMs`, and
 * concurrent clients that failed together spread out.
 */
export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly random: () => number;

  /** @param options See {@link BackoffOptions}. */
  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 800;
    this.maxMs = options.maxMs ?? 30_000;
    this.factor = options.factor ?? 2;
    this.random = options.random ?? Math.random;
  }

  /** The next delay in ms (advances the attempt counter). */
  next(): number {
    const d = Math.min(this.maxMs, this.initialMs * this.factor ** this.attempt);
    this.attempt++;
    return d / 2 + (this.random() * d) / 2;
  }

  /** Number of delays handed out since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** Back to the initial delay (after a period of health). */
  reset(): void {
    this.attempt = 0;
  }
}

/**
 * Resolves after `ms`, or early (without rejecting) when `signal` aborts; the timer is cleared
 * on abort, so an aborted sleep never holds the process open.
 *
 * @param unref Also let the process exit while the sleep is pending. @default false
 * @returns `true` when the full time elapsed, `false` when aborted.
 */
export function sleep(ms: number, signal?: AbortSignal, unref = false): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    if (unref) timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
