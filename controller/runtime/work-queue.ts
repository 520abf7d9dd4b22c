/**
 * A keyed, de-duplicating, rate-limited work queue with client-go `workqueue` semantics:
 *
 * - a key is queued at most once, however often it is added (`add` of a queued key is a no-op);
 * - a key handed out by `get` is "processing" until `done`; it is never handed to a second
 *   worker meanwhile. Adding it while it is processing marks it dirty, and `done` re-queues it;
 * - `addAfter` delays an add (the earliest pending delay of a key wins); `addRateLimited` delays
 *   by the rate limiter (per-key exponential backoff + overall token bucket by default) and
 *   `forget` resets the key's backoff;
 * - timers are `unref`'d and cleared on shutdown, so the queue never keeps the process alive.
 *
 * Unlike client-go, `shutDown` drops keys that are queued but not yet handed out: a stopping
 * controller must not start new reconciles, and state is level-based (the next start re-lists
 * and re-queues everything).
 */
import { type Clock, defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';

/** Metric hooks; all optional, called synchronously, must not throw. */
export interface WorkQueueHooks {
  /** Number of keys ready to be handed out, after every change. */
  depth?(queue: string, depth: number): void;
  /** A key was newly added (not deduplicated away). */
  add?(queue: string, key: string): void;
  /** `addRateLimited` was called. */
  retry?(queue: string, key: string): void;
  /** Time a key waited between being queued and being handed out (ms). */
  queueLatency?(queue: string, ms: number): void;
  /** Time between `get` and `done` (ms). */
  workDuration?(queue: string, ms: number): void;
}

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Name used in metric hooks. @default 'default' */
  name?: string;
  /** @default defaultControllerRateLimiter() (5 ms → 1000 s per key, 10 qps / 100 burst overall) */
  rateLimiter?: RateLimiter;
  /** Monotonic clock (ms). @default performance.now */
  clock?: Clock;
  hooks?: WorkQueueHooks;
}

interface Delayed {
  key: string;
  readyAt: number;
  seq: number;
}

/** See the module comment for semantics. Keys are opaque strings (usually `namespace/name`). */
export class WorkQueue {
  /** Name used in metric hooks. */
  readonly name: string;
  private readonly rateLimiter: RateLimiter;
  private readonly clock: Clock;
  private readonly hooks: WorkQueueHooks;

  private queue: string[] = [];
  private head = 0;
  /** Keys that need processing: queued, or re-added while processing. */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly queuedAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private waiters: ((key: string | undefined) => void)[] = [];
  private drainWaiters: (() => void)[] = [];

  private readonly delayed = new Map<string, number>();
  private heap: Delayed[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private shutting = false;

  /** @param options See {@link WorkQueueOptions}. */
  constructor(options: WorkQueueOptions = {}) {
    this.name = options.name ?? 'default';
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter();
    this.clock = options.clock ?? (() => performance.now());
    this.hooks = options.hooks ?? {};
  }

  /** `true` once `shutDown`/`shutDownWithDrain` was called. */
  get shuttingDown(): boolean {
    return this.shutting;
  }

  /** Number of keys ready to be handed out (excludes processing and delayed keys). */
  len(): number {
    return this.queue.length - this.head;
  }

  /** Number of keys currently being processed (handed out, `done` not yet called). */
  processingCount(): number {
    return this.processing.size;
  }

  /** Queues `key` now. No-op if it is already queued, or after shutdown. */
  add(key: string): void {
    if (this.shutting || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.queuedAt.set(key, this.clock());
    this.hooks.add?.(this.name, key);
    if (this.processing.has(key)) return; // re-queued by done()
    this.queue.push(key);
    this.dispatch();
  }

  /**
   * Queues `key` after `delayMs` (≤ 0: now). If the key already waits with an earlier deadline,
   * the earlier one is kept. No-op after shutdown.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.shutting) return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const readyAt = this.clock() + delayMs;
    const existing = this.delayed.get(key);
    if (existing !== undefined && existing <= readyAt) return;
    this.delayed.set(key, readyAt);
    this.heapPush({ key, readyAt, seq: this.seq++ });
    this.schedule();
  }

  /** Queues `key` after the rate limiter's delay (counts as a retry). */
  addRateLimited(key: string): void {
    if (this.shutting) return;
    this.hooks.retry?.(this.name, key);
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Resets the rate limiter's history of `key` (call after a successful reconcile). */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  /** Retries of `key` since its last `forget`. */
  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /**
   * Waits for the next key. The key is "processing" until {@link done} is called with it.
   * @returns The key, or `undefined` once the queue is shut down.
   */
  get(): Promise<string | undefined> {
    if (this.shutting) return Promise.resolve(undefined);
    if (this.len() > 0) return Promise.resolve(this.take());
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Marks `key` as no longer processing. If it was added meanwhile, it is queued again.
   * Must be called exactly once per key handed out by {@link get}.
   */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    const started = this.startedAt.get(key);
    this.startedAt.delete(key);
    if (started !== undefined) this.hooks.workDuration?.(this.name, this.clock() - started);
    if (!this.shutting && this.dirty.has(key)) {
      this.queue.push(key);
      this.dispatch();
    }
    if (this.processing.size === 0 && this.drainWaiters.length > 0) {
      const ws = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of ws) w();
    }
  }

  /**
   * Stops the queue: further adds are ignored, pending and future `get`s return `undefined`,
   * queued and delayed keys are dropped, timers are cleared. Keys being processed may still
   * call `done`.
   */
  shutDown(): void {
    if (this.shutting) return;
    this.shutting = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.heap = [];
    this.delayed.clear();
    this.queue = [];
    this.head = 0;
    this.dirty.clear();
    this.queuedAt.clear();
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w(undefined);
    this.hooks.depth?.(this.name, 0);
  }

  /**
   * {@link shutDown}, then waits until every processing key is `done`.
   *
   * @param timeoutMs Give up waiting after this long (ms); omit to wait indefinitely.
   * @returns `true` when drained, `false` on timeout.
   */
  shutDownWithDrain(timeoutMs?: number): Promise<boolean> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onDrained = () => {
        if (timer) clearTimeout(timer);
        resolve(true);
      };
      this.drainWaiters.push(onDrained);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.drainWaiters = this.drainWaiters.filter((w) => w !== onDrained);
          resolve(false);
        }, timeoutMs);
        timer.unref();
      }
    });
  }

  /** Hands queued keys to waiting `get`s. */
  private dispatch(): void {
    while (this.waiters.length > 0 && this.len() > 0) {
      const w = this.waiters.shift() as (key: string | undefined) => void;
      w(this.take());
    }
    this.hooks.depth?.(this.name, this.len());
  }

  private take(): string {
    const key = this.queue[this.head] as string;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    const now = this.clock();
    this.startedAt.set(key, now);
    const queued = this.queuedAt.get(key);
    this.queuedAt.delete(key);
    if (queued !== undefined) this.hooks.queueLatency?.(this.name, now - queued);
    this.hooks.depth?.(this.name, this.len());
    return key;
  }

  // ---- delayed adds: a min-heap on (readyAt, seq) driven by one unref'd timer ----

  private schedule(): void {
    const top = this.heap[0];
    if (!top) return;
    if (this.timer && this.timerAt <= top.readyAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = top.readyAt;
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(top.readyAt - this.clock())));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.clock();
    for (let top = this.heap[0]; top && top.readyAt <= now; top = this.heap[0]) {
      this.heapPop();
      if (this.delayed.get(top.key) !== top.readyAt) continue; // superseded by an earlier deadline
      this.delayed.delete(top.key);
      this.add(top.key);
    }
    this.schedule();
  }

  private heapPush(d: Delayed): void {
    const h = this.heap;
    h.push(d);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i] as Delayed, h[p] as Delayed)) break;
      [h[i], h[p]] = [h[p] as Delayed, h[i] as Delayed];
      i = p;
    }
  }

  private heapPop(): void {
    const h = this.heap;
    const last = h.pop();
    if (h.length === 0 || !last) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l] as Delayed, h[m] as Delayed)) m = l;
      if (r < h.length && before(h[r] as Delayed, h[m] as Delayed)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m] as Delayed, h[i] as Delayed];
      i = m;
    }
  }
}

function before(a: Delayed, b: Delayed): boolean {
  return a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);
}
