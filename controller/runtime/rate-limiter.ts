/**
 * Rate limiters for {@link WorkQueue.addRateLimited}, after client-go's `workqueue` package: a
 * per-key exponential failure backoff, an overall token bucket, and the max of several.
 */

/** Decides how long a key must wait before it is retried. All durations in ms. */
export interface RateLimiter {
  /** Records one more retry of `key` and returns how long it must wait (ms, ≥ 0). */
  when(key: string): number;
  /** Clears the failure history of `key` (after a success). */
  forget(key: string): void;
  /** How many times `key` has been retried since the last `forget`. */
  numRequeues(key: string): number;
}

/** Monotonic clock in ms. */
export type Clock = () => number;

const defaultClock: Clock = () => performance.now();

/** Options of {@link ExponentialFailureRateLimiter}. */
export interface ExponentialBackoffOptions {
  /** Delay of the first retry. @default 5 */
  baseDelayMs?: number;
  /** Cap. @default 1_000_000 (1000 s) */
  maxDelayMs?: number;
}

/** Per-key exponential backoff: `base · 2^(retries)`, capped at `maxDelayMs`. */
export class ExponentialFailureRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  /** @param options See {@link ExponentialBackoffOptions}. */
  constructor(options: ExponentialBackoffOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 1_000_000;
  }

  /** @inheritdoc */
  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = this.baseDelayMs * 2 ** n;
    return Number.isFinite(delay) ? Math.min(delay, this.maxDelayMs) : this.maxDelayMs;
  }

  /** @inheritdoc */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** @inheritdoc */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/** Options of {@link TokenBucketRateLimiter}. */
export interface TokenBucketOptions {
  /** Sustained rate, tokens per second. @default 10 */
  qps?: number;
  /** Bucket size (retries allowed at once before the rate applies). @default 100 */
  burst?: number;
  /** Clock (ms). @default performance.now */
  clock?: Clock;
}

/**
 * Overall limit shared by all keys (golang `rate.Limiter.Reserve` semantics): each `when`
 * takes a token; when the bucket is empty the returned delay is the time until that token
 * would be refilled, so a retry storm is spread out at `qps`.
 */
export class TokenBucketRateLimiter implements RateLimiter {
  private readonly qps: number;
  private readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private last: number;

  /**
   * @param options See {@link TokenBucketOptions}.
   * @throws RangeError when `qps` or `burst` is not positive.
   */
  constructor(options: TokenBucketOptions = {}) {
    this.qps = options.qps ?? 10;
    this.burst = options.burst ?? 100;
    if (!(this.qps > 0) || !(this.burst > 0))
      throw new RangeError('token bucket needs qps > 0 and burst > 0');
    this.clock = options.clock ?? defaultClock;
    this.tokens = this.burst;
    this.last = this.clock();
  }

  /** @inheritdoc */
  when(_key: string): number {
    const now = this.clock();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.qps;
  }

  /** @inheritdoc */
  forget(_key: string): void {}

  /** @inheritdoc */
  numRequeues(_key: string): number {
    return 0;
  }
}

/** The longest delay of several limiters (each one records the retry). */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: RateLimiter[];

  /** @param limiters At least one limiter. */
  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }

  /** @inheritdoc */
  when(key: string): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(key));
    return max;
  }

  /** @inheritdoc */
  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }

  /** @inheritdoc */
  numRequeues(key: string): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(key));
    return max;
  }
}

/** Options of {@link defaultControllerRateLimiter}. */
export interface ControllerRateLimiterOptions extends ExponentialBackoffOptions, TokenBucketOptions {}

/**
 * client-go's `DefaultControllerRateLimiter`: max of per-key exponential backoff (5 ms → 1000 s)
 * and an overall 10 qps / 100 burst token bucket.
 */
export function defaultControllerRateLimiter(options: ControllerRateLimiterOptions = {}): RateLimiter {
  return new MaxOfRateLimiter(
    new ExponentialFailureRateLimiter(options),
    new TokenBucketRateLimiter(options),
  );
}
