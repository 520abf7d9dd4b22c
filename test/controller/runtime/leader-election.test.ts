import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { PatchOptions, WriteOptions } from '../../../controller/kube/client.js';
import { AlreadyExistsError, ConflictError, KubeApiError } from '../../../controller/kube/errors.js';
import type { ObjectRef } from '../../../controller/kube/resources.js';
import {
  type Clock,
  LeaderElector,
  type LeaderElectorOptions,
  type Lease,
  type LeaseClient,
  microTime,
  registerLeaderElectionMetrics,
} from '../../../controller/runtime/leader-election.js';

/** A manual clock: time moves only in {@link FakeClock.advance}; sleepers wake in order. */
class FakeClock {
  t = Date.parse('2025-01-01T00:00:00Z');
  private sleepers: { at: number; wake: () => void }[] = [];

  /** A view of this clock shifted by `skewMs` (another machine's wall clock). */
  view(skewMs = 0): Clock {
    return {
      now: () => this.t + skewMs,
      sleep: (ms, signal) =>
        new Promise<void>((resolve) => {
          if (signal?.aborted) return resolve();
          const s = {
            at: this.t + Math.max(0, ms),
            wake: () => {
              this.sleepers = this.sleepers.filter((x) => x !== s);
              signal?.removeEventListener('abort', s.wake);
              resolve();
            },
          };
          this.sleepers.push(s);
          signal?.addEventListener('abort', s.wake, { once: true });
        }),
    };
  }

  /** Moves time forward by `ms`, waking every sleeper due on the way (in time order). */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    await flush();
    for (;;) {
      const next = this.sleepers.filter((s) => s.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = Math.max(this.t, next.at);
      next.wake();
      await flush();
    }
    this.t = target;
    await flush();
  }
}

/** Lets every pending promise chain (fake API calls are immediate) run to completion. */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** An in-memory Lease with resourceVersion optimistic locking, like the API server. */
class FakeLeaseStore {
  lease: Lease | undefined;
  private rv = 0;
  /** Throw this from every write (e.g. the API server is unreachable). */
  failWrites: Error | undefined;
  /** Never answer writes (until the request's signal aborts). */
  hangWrites = false;
  /** Runs right before a write is applied (to inject a competing write). */
  beforeWrite: (() => void) | undefined;
  writes = 0;

  readonly client = {
    get: async (_r: unknown, _ref: ObjectRef) => (this.lease ? structuredClone(this.lease) : null),
    create: async (_r: unknown, obj: Lease, opts: WriteOptions = {}) => {
      await this.gate(opts.signal);
      if (this.lease) throw new AlreadyExistsError(409, 'AlreadyExists', 'leases "x" already exists');
      this.lease = { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: this.bump() } };
      return structuredClone(this.lease);
    },
    patch: async (
      _r: unknown,
      _ref: ObjectRef,
      patch: { spec: Record<string, unknown> },
      opts: PatchOptions = {},
    ) => {
      await this.gate(opts.signal);
      if (!this.lease) throw new KubeApiError(404, 'NotFound', 'not found');
      if (opts.resourceVersion !== undefined && opts.resourceVersion !== this.lease.metadata?.resourceVersion)
        throw new ConflictError(409, 'Conflict', 'the object has been modified');
      this.merge(patch.spec);
      return structuredClone(this.lease);
    },
  } as unknown as LeaseClient;

  /** Writes the Lease directly (another party), bumping resourceVersion. */
  merge(spec: Record<string, unknown>): void {
    const next = { ...this.lease?.spec } as Record<string, unknown>;
    for (const [k, v] of Object.entries(spec)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    this.lease = {
      ...this.lease,
      spec: next,
      metadata: { ...this.lease?.metadata, resourceVersion: this.bump() },
    } as Lease;
  }

  private bump(): string {
    this.writes++;
    return String(++this.rv);
  }

  private async gate(signal: AbortSignal | undefined): Promise<void> {
    if (this.hangWrites) {
      await new Promise<void>((_, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    }
    if (this.failWrites) throw this.failWrites;
    const hook = this.beforeWrite;
    this.beforeWrite = undefined;
    hook?.();
  }
}

const LEASE = 15_000;
const DEADLINE = 10_000;
const RETRY = 2_000;

let electors: LeaderElector[] = [];
afterEach(async () => {
  await Promise.all(electors.map((e) => e.stop()));
  electors = [];
});

interface Candidate {
  elector: LeaderElector;
  started: AbortSignal[];
  stopped: number;
  leaders: string[];
}

function candidate(
  store: FakeLeaseStore,
  clock: FakeClock,
  identity: string,
  extra: Partial<LeaderElectorOptions> & { skewMs?: number } = {},
): Candidate {
  const c: Candidate = { started: [], stopped: 0, leaders: [] } as unknown as Candidate;
  c.elector = new LeaderElector({
    client: store.client,
    namespace: 'sys',
    name: 'lock',
    identity,
    leaseDurationMs: LEASE,
    renewDeadlineMs: DEADLINE,
    retryPeriodMs: RETRY,
    clock: clock.view(extra.skewMs),
    onStartedLeading: (signal) => {
      c.started.push(signal);
    },
    onStoppedLeading: () => {
      c.stopped++;
    },
    onNewLeader: (id) => c.leaders.push(id),
    ...extra,
  });
  electors.push(c.elector);
  return c;
}

describe('LeaderElector', () => {
  it('acquires an absent Lease by creating it', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const a = candidate(store, clock, 'a');
    expect(a.elector.isLeader()).toBe(false);
    expect(a.elector.leaderStatus).toBe(0);
    a.elector.start();
    await flush();
    expect(a.elector.isLeader()).toBe(true);
    expect(a.elector.leaderStatus).toBe(1);
    expect(a.started).toHaveLength(1);
    expect(a.started[0]?.aborted).toBe(false);
    expect(a.leaders).toEqual(['a']);
    expect(store.lease).toMatchObject({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { namespace: 'sys', name: 'lock', resourceVersion: '1' },
      spec: {
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        acquireTime: microTime(clock.t),
        renewTime: microTime(clock.t),
        leaseTransitions: 0,
      },
    });
  });

  it('renews every retry period, keeping acquireTime and transitions', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const t0 = clock.t;
    const a = candidate(store, clock, 'a');
    a.elector.start();
    await flush();
    await clock.advance(RETRY);
    expect(store.lease?.spec).toMatchObject({
      holderIdentity: 'a',
      acquireTime: microTime(t0),
      renewTime: microTime(t0 + RETRY),
      leaseTransitions: 0,
    });
    await clock.advance(RETRY * 10);
    expect(store.writes).toBe(12);
    expect(store.lease?.spec?.renewTime).toBe(microTime(t0 + 11 * RETRY));
    expect(a.elector.isLeader()).toBe(true);
    expect(a.stopped).toBe(0);
  });

  it('a standby never acquires a Lease that keeps being renewed, even with its clock far ahead', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const a = candidate(store, clock, 'a');
    a.elector.start();
    await flush();
    // b's wall clock is an hour ahead: comparing renewTime to it would call the Lease expired.
    const b = candidate(store, clock, 'b', { skewMs: 3_600_000 });
    b.elector.start();
    await clock.advance(LEASE * 5);
    expect(a.elector.isLeader()).toBe(true);
    expect(b.elector.isLeader()).toBe(false);
    expect(b.started).toHaveLength(0);
    expect(b.leaders).toEqual(['a']);
    expect(b.elector.leader).toBe('a');
  });

  it('takes over within one lease duration after the leader stops renewing (observed time, skew-proof)', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const a = candidate(store, clock, 'a');
    a.elector.start();
    await flush();
    // b's clock is an hour behind: comparing renewTime to it would wait an hour.
    const b = candidate(store, clock, 'b', { skewMs: -3_600_000 });
    b.elector.start();
    await clock.advance(RETRY * 3);
    await a.elector.stop(); // "dies" without releasing
    expect(a.stopped).toBe(1);
    expect(a.started[0]?.aborted).toBe(true);
    const died = clock.t;
    const lastRenew = store.lease?.spec?.renewTime;
    await clock.advance(LEASE - RETRY);
    expect(b.elector.isLeader()).toBe(false);
    expect(store.lease?.spec?.renewTime).toBe(lastRenew);
    for (let i = 0; i < 1000 && !b.elector.isLeader(); i++) await clock.advance(100);
    expect(b.elector.isLeader()).toBe(true);
    // b saw a's last renewal at most one retry period after it was written.
    expect(clock.t - died).toBeLessThanOrEqual(LEASE + RETRY);
    expect(clock.t - died).toBeGreaterThanOrEqual(LEASE - RETRY);
    expect(store.lease?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(b.leaders).toEqual(['a', 'b']);
    expect(b.started).toHaveLength(1);
  });

  it('a fresh standby seeing a stale Lease waits one full lease duration by its own clock', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    store.merge({
      holderIdentity: 'dead',
      leaseDurationSeconds: 15,
      renewTime: microTime(clock.t - 86_400_000), // a day old by this clock: irrelevant
      leaseTransitions: 4,
    });
    const b = candidate(store, clock, 'b');
    b.elector.start();
    await clock.advance(LEASE - 1);
    expect(b.elector.isLeader()).toBe(false);
    await clock.advance(2);
    expect(b.elector.isLeader()).toBe(true);
    expect(store.lease?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 5 });
  });

  it('re-acquires at once a Lease held by its own identity (restarted pod)', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    store.merge({ holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: 'x', leaseTransitions: 2 });
    const a = candidate(store, clock, 'a');
    a.elector.start();
    await flush();
    expect(a.elector.isLeader()).toBe(true);
    expect(store.lease?.spec).toMatchObject({ holderIdentity: 'a', acquireTime: 'x', leaseTransitions: 2 });
  });

  it('two candidates racing to create the Lease: the 409 loser stands by', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const a = candidate(store, clock, 'a');
    const b = candidate(store, clock, 'b');
    a.elector.start();
    b.elector.start();
    await clock.advance(RETRY * 5);
    expect([a.elector.isLeader(), b.elector.isLeader()].sort()).toEqual([false, true]);
    expect(a.started.length + b.started.length).toBe(1);
    expect(store.lease?.spec?.leaseTransitions).toBe(0);
  });

  it('an update that loses the optimistic-lock race (409) does not lead and retries', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    store.merge({ holderIdentity: '', leaseDurationSeconds: 1 });
    // Between b's read and its write, c takes the released Lease.
    store.beforeWrite = () => store.merge({ holderIdentity: 'c', leaseDurationSeconds: 15 });
    const b = candidate(store, clock, 'b');
    b.elector.start();
    await flush();
    expect(b.elector.isLeader()).toBe(false);
    expect(store.lease?.spec?.holderIdentity).toBe('c');
    await clock.advance(RETRY);
    expect(b.elector.isLeader()).toBe(false); // c's Lease is valid (just observed)
    expect(b.leaders).toEqual(['c']);
    await clock.advance(LEASE + RETRY); // c never renews
    expect(b.elector.isLeader()).toBe(true);
  });

  it('release() clears the holder so a standby acquires on its next retry', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const a = candidate(store, clock, 'a');
    a.elector.start();
    await flush();
    const b = candidate(store, clock, 'b');
    b.elector.start();
    await clock.advance(RETRY * 2);
    expect(await a.elector.release()).toBe(true);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.stopped).toBe(1);
    expect(a.started[0]?.aborted).toBe(true);
    expect(store.lease?.spec?.holderIdentity).toBeUndefined();
    expect(store.lease?.spec?.leaseDurationSeconds).toBe(1);
    await clock.advance(RETRY);
    expect(b.elector.isLeader()).toBe(true);
    expect(store.lease?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    // Releasing again, or as a non-holder, leaves b's Lease alone.
    expect(await a.elector.release()).toBe(false);
    expect(store.lease?.spec?.holderIdentity).toBe('b');
  });

  it('release() by a standby is a no-op', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const a = candidate(store, clock, 'a');
    a.elector.start();
    await flush();
    const b = candidate(store, clock, 'b');
    b.elector.start();
    await flush();
    const before = store.writes;
    expect(await b.elector.release()).toBe(false);
    expect(b.stopped).toBe(0);
    expect(store.writes).toBe(before);
    expect(store.lease?.spec?.holderIdentity).toBe('a');
  });

  it('stops leading at the renew deadline when renewals fail, aborting the signal at once', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const a = candidate(store, clock, 'a');
    a.elector.start();
    await flush();
    await clock.advance(RETRY);
    const lastOk = clock.t;
    store.failWrites = new KubeApiError(500, 'InternalError', 'etcd unavailable');
    await clock.advance(DEADLINE - 1);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.started[0]?.aborted).toBe(false);
    await clock.advance(1);
    expect(clock.t - lastOk).toBe(DEADLINE);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.started[0]?.aborted).toBe(true);
    expect(a.stopped).toBe(1);
    // It does not campaign again (the process is expected to exit).
    store.failWrites = undefined;
    await clock.advance(LEASE * 3);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.started).toHaveLength(1);
  });

  it('a renewal that hangs is cut off at the renew deadline', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const a = candidate(store, clock, 'a');
    a.elector.start();
    await flush();
    const lastOk = clock.t;
    store.hangWrites = true;
    await clock.advance(DEADLINE - 1);
    expect(a.elector.isLeader()).toBe(true);
    await clock.advance(1);
    expect(a.elector.isLeader()).toBe(false);
    expect(clock.t - lastOk).toBe(DEADLINE);
    expect(a.stopped).toBe(1);
  });

  it('stops leading at once when the Lease shows another holder', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const a = candidate(store, clock, 'a');
    a.elector.start();
    await flush();
    store.merge({ holderIdentity: 'intruder' });
    await clock.advance(RETRY);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.stopped).toBe(1);
    expect(store.lease?.spec?.holderIdentity).toBe('intruder');
    expect(await a.elector.release()).toBe(false);
    expect(store.lease?.spec?.holderIdentity).toBe('intruder');
  });

  it('exports leader_election_master_status', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const a = candidate(store, clock, 'a');
    const registry = new Registry();
    registerLeaderElectionMetrics(registry, a.elector, 'lock');
    expect(await registry.metrics()).toContain('leader_election_master_status{name="lock"} 0');
    a.elector.start();
    await flush();
    expect(await registry.metrics()).toContain('leader_election_master_status{name="lock"} 1');
  });

  it('validates its options like client-go', () => {
    const store = new FakeLeaseStore();
    const base = {
      client: store.client,
      namespace: 'n',
      name: 'l',
      identity: 'a',
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
    };
    expect(() => new LeaderElector({ ...base, identity: '' })).toThrow(RangeError);
    expect(() => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow(
      /greater than renewDeadlineMs/,
    );
    expect(() => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 })).toThrow(/1.2/);
    expect(() => new LeaderElector({ ...base, retryPeriodMs: 0 })).toThrow(RangeError);
    expect(
      new LeaderElector({ ...base, leaseDurationMs: 2_500, renewDeadlineMs: 2_000, retryPeriodMs: 500 })
        .leaseDurationSeconds,
    ).toBe(3);
  });

  it('writes MicroTime with six fractional digits', () => {
    expect(microTime(Date.parse('2025-01-02T03:04:05.678Z'))).toBe('2025-01-02T03:04:05.678000Z');
  });
});
