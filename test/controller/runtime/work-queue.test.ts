import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  defaultControllerRateLimiter,
  ExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  TokenBucketRateLimiter,
} from '../../../controller/runtime/rate-limiter.js';
import { WorkQueue } from '../../../controller/runtime/work-queue.js';

const clock = () => Date.now();

/** Drains currently-ready keys without blocking. */
async function takeReady(q: WorkQueue): Promise<string[]> {
  const out: string[] = [];
  while (q.len() > 0) out.push((await q.get()) as string);
  return out;
}

describe('WorkQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('de-duplicates keys that are queued', async () => {
    const q = new WorkQueue({ clock });
    q.add('a');
    q.add('b');
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(2);
    expect(await takeReady(q)).toEqual(['a', 'b']);
  });

  it('never hands a processing key to a second worker; re-adds while processing are re-queued on done', async () => {
    const q = new WorkQueue({ clock });
    q.add('a');
    const first = await q.get();
    expect(first).toBe('a');

    // A second worker waits; re-adding 'a' while it is processing must not wake it.
    let second: string | undefined | null = null;
    void q.get().then((k) => {
      second = k;
    });
    q.add('a');
    q.add('a');
    await Promise.resolve();
    expect(second).toBeNull();
    expect(q.len()).toBe(0);

    // done → the dirty key is queued once and handed to the waiting worker.
    q.done('a');
    await Promise.resolve();
    expect(second).toBe('a');
    q.done('a');
    expect(q.len()).toBe(0);
  });

  it('with concurrent workers, one key is never processed twice at the same time', async () => {
    vi.useRealTimers();
    const q = new WorkQueue({ clock: () => performance.now() });
    const active = new Set<string>();
    let overlap = false;
    let processed = 0;
    const worker = async () => {
      for (;;) {
        const k = await q.get();
        if (k === undefined) return;
        if (active.has(k)) overlap = true;
        active.add(k);
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        active.delete(k);
        processed++;
        q.done(k);
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    for (let i = 0; i < 300; i++) {
      q.add(`k${i % 5}`);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    while (q.len() > 0 || q.processingCount() > 0) await new Promise((r) => setTimeout(r, 5));
    await q.shutDownWithDrain();
    await Promise.all(workers);
    expect(overlap).toBe(false);
    expect(processed).toBeGreaterThanOrEqual(5);
  });

  it('get() waits for a key and resolves when one is added', async () => {
    const q = new WorkQueue({ clock });
    const p = q.get();
    q.add('x');
    await expect(p).resolves.toBe('x');
  });

  it('addAfter hands keys out in deadline order, and only when due', async () => {
    const q = new WorkQueue({ clock });
    q.addAfter('late', 300);
    q.addAfter('early', 100);
    q.addAfter('mid', 200);
    q.addAfter('now', 0);
    expect(await takeReady(q)).toEqual(['now']);
    vi.advanceTimersByTime(99);
    expect(q.len()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(await takeReady(q)).toEqual(['early']);
    vi.advanceTimersByTime(250);
    expect(await takeReady(q)).toEqual(['mid', 'late']);
  });

  it('addAfter keeps the earliest deadline of a key and adds it once', async () => {
    const q = new WorkQueue({ clock });
    q.addAfter('a', 500);
    q.addAfter('a', 100);
    q.addAfter('a', 1000);
    vi.advanceTimersByTime(100);
    expect(await takeReady(q)).toEqual(['a']);
    q.done('a');
    vi.advanceTimersByTime(2000);
    expect(q.len()).toBe(0);
  });

  it('addRateLimited backs off exponentially per key, caps, and forget resets', async () => {
    const q = new WorkQueue({
      clock,
      rateLimiter: new ExponentialFailureRateLimiter({ baseDelayMs: 5, maxDelayMs: 40 }),
    });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = Date.now();
      q.addRateLimited('a');
      // advance 1 ms at a time until the key becomes ready
      while (q.len() === 0) vi.advanceTimersByTime(1);
      delays.push(Date.now() - t0);
      expect(await q.get()).toBe('a');
      q.done('a');
    }
    expect(delays).toEqual([5, 10, 20, 40, 40, 40]);
    expect(q.numRequeues('a')).toBe(6);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
    q.addRateLimited('a');
    vi.advanceTimersByTime(5);
    expect(q.len()).toBe(1);
  });

  it('shutDown releases waiting workers, drops queued and delayed keys, ignores adds, clears timers', async () => {
    const q = new WorkQueue({ clock });
    const waiting = q.get();
    q.shutDown();
    await expect(waiting).resolves.toBeUndefined();

    const q2 = new WorkQueue({ clock });
    q2.add('a');
    q2.addAfter('b', 1000);
    q2.shutDown();
    expect(vi.getTimerCount()).toBe(0);
    q2.add('c');
    expect(q2.len()).toBe(0);
    await expect(q2.get()).resolves.toBeUndefined();
  });

  it('shutDownWithDrain waits for processing keys, or times out', async () => {
    const q = new WorkQueue({ clock });
    q.add('a');
    const k = await q.get();
    let drained: boolean | undefined;
    void q.shutDownWithDrain().then((d) => {
      drained = d;
    });
    await Promise.resolve();
    expect(drained).toBeUndefined();
    q.add('a'); // ignored after shutdown: done() must not re-queue it
    q.done(k as string);
    await Promise.resolve();
    expect(drained).toBe(true);
    expect(q.len()).toBe(0);

    const q2 = new WorkQueue({ clock });
    q2.add('b');
    await q2.get();
    const p = q2.shutDownWithDrain(50);
    vi.advanceTimersByTime(50);
    await expect(p).resolves.toBe(false);
  });

  it('timers are unref()ed so a queue never keeps the process alive', () => {
    vi.useRealTimers();
    const q = new WorkQueue();
    q.addAfter('a', 60_000);
    // biome-ignore lint/suspicious/noExplicitAny: peek at the private timer
    const timer = (q as any).timer as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    q.shutDown();
  });

  it('reports metrics hooks', async () => {
    const events: string[] = [];
    const q = new WorkQueue({
      name: 'q',
      clock,
      hooks: {
        add: (_n, k) => events.push(`add ${k}`),
        retry: (_n, k) => events.push(`retry ${k}`),
        depth: (_n, d) => events.push(`depth ${d}`),
        queueLatency: (_n, ms) => events.push(`latency ${ms}`),
        workDuration: (_n, ms) => events.push(`work ${ms}`),
      },
    });
    q.add('a');
    vi.advanceTimersByTime(7);
    const k = (await q.get()) as string;
    vi.advanceTimersByTime(3);
    q.done(k);
    q.addRateLimited('a');
    expect(events).toEqual(['add a', 'depth 1', 'latency 7', 'depth 0', 'work 3', 'retry a']);
  });
});

describe('rate limiters', () => {
  it('token bucket allows a burst, then spaces retries at qps', () => {
    let now = 0;
    const b = new TokenBucketRateLimiter({ qps: 10, burst: 3, clock: () => now });
    expect([b.when('a'), b.when('b'), b.when('c')]).toEqual([0, 0, 0]);
    expect(b.when('d')).toBeCloseTo(100);
    expect(b.when('e')).toBeCloseTo(200);
    now = 1000; // refills (capped at burst)
    expect(b.when('f')).toBe(0);
  });

  it('max-of takes the longest delay; the default limiter starts at 5 ms and caps at 1000 s', () => {
    const m = new MaxOfRateLimiter(
      new ExponentialFailureRateLimiter({ baseDelayMs: 1 }),
      new ExponentialFailureRateLimiter({ baseDelayMs: 3 }),
    );
    expect(m.when('k')).toBe(3);
    expect(m.when('k')).toBe(6);
    expect(m.numRequeues('k')).toBe(2);

    const d = defaultControllerRateLimiter({ burst: 1_000_000 });
    expect(d.when('x')).toBe(5);
    expect(d.when('x')).toBe(10);
    for (let i = 0; i < 40; i++) d.when('x');
    expect(d.when('x')).toBe(1_000_000);
    d.forget('x');
    expect(d.when('x')).toBe(5);
  });
});
