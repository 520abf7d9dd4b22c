/**
 * Leader election on a `coordination.k8s.io/v1` Lease, after client-go's `leaderelection` package
 * with a Lease lock.
 *
 * - **Acquire** when the Lease is absent, released (no holder), held by this identity, or expired.
 *   Expiry is judged by the *observed time* (client-go): the local clock at the moment this
 *   process last saw the Lease record change. A holder that stops renewing is considered gone
 *   once its record stayed unchanged for `leaseDurationSeconds` of *our* clock, so clock skew
 *   between processes never matters (`renewTime` is written, but never compared across clocks).
 * - Every write is an optimistic-locked create / merge patch (`metadata.resourceVersion`): a 409
 *   means another candidate won the race, and this one tries again after `retryPeriodMs`.
 * - The leader **renews** every `retryPeriodMs`. If no renewal succeeded for `renewDeadlineMs`
 *   (each request is cut off at the deadline), or the Lease shows another holder, leadership ends
 *   at once: the `onStartedLeading` signal is aborted and `onStoppedLeading` is called.
 * - {@link LeaderElector.release} (graceful shutdown) clears `holderIdentity` and sets a 1 s
 *   duration, so a standby acquires on its next retry instead of waiting out the lease.
 *
 * Safety relies on `renewDeadlineMs < leaseDurationMs`: a leader that cannot renew stops working
 * before any standby may consider its Lease expired.
 */
import { type Logger, pino } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { KubeClient } from '../kube/client.js';
import { AlreadyExistsError, ConflictError } from '../kube/errors.js';
import { Resources } from '../kube/resources.js';
import type { KubeObject } from '../kube/types.js';

/** `spec` of a `coordination.k8s.io/v1` Lease (the fields leader election uses). */
export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  /** RFC 3339 with microseconds (`metav1.MicroTime`). */
  acquireTime?: string;
  /** RFC 3339 with microseconds (`metav1.MicroTime`). */
  renewTime?: string;
  leaseTransitions?: number;
}

/** A `coordination.k8s.io/v1` Lease. */
export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** The part of {@link KubeClient} the elector needs (a fake in unit tests). */
export type LeaseClient = Pick<KubeClient, 'get' | 'create' | 'patch'>;

/** Time source of the elector (injectable for tests). */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or early (never rejecting) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now()` and timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** Options of {@link LeaderElector}. */
export interface LeaderElectorOptions {
  /** Reads and writes the Lease (normally the controller's {@link KubeClient}). */
  client: LeaseClient;
  /** Namespace of the Lease. */
  namespace: string;
  /** Name of the Lease. */
  name: string;
  /** This candidate's identity, unique among candidates (e.g. the pod name). */
  identity: string;
  /** How long a non-renewed Lease blocks other candidates (ms; stored in whole seconds). @default 15000 */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives up leadership (ms). @default 10000 */
  renewDeadlineMs?: number;
  /** Interval between acquire / renew attempts (ms). @default 2000 */
  retryPeriodMs?: number;
  /**
   * Called when this candidate becomes leader. `signal` aborts the moment leadership ends (lost,
   * {@link LeaderElector.stop} or {@link LeaderElector.release}). A rejection is logged.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once when leadership ends (after `signal` aborted). Not called if it never led. */
  onStoppedLeading(): void;
  /** Called when a (new) holder of the Lease is observed, including this candidate itself. */
  onNewLeader?(identity: string): void;
  /** @default a silent logger */
  logger?: Logger;
  /** @default {@link systemClock} */
  clock?: Clock;
}

/** What one acquire/renew attempt found. */
type Attempt = 'acquired' | 'held' | 'failed';

const DEFAULTS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** `metav1.MicroTime` wire format: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** See the module comment. `start()` once; `release()` (or `stop()`) when done. */
export class LeaderElector {
  /** This candidate's identity. */
  readonly identity: string;
  /** Lease duration written to the Lease (s). */
  readonly leaseDurationSeconds: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly ref: { namespace: string; name: string };

  private observed: LeaseSpec | undefined;
  private observedJson = '';
  private observedTime = 0;
  private observedVersion: string | undefined;
  private reportedLeader: string | undefined;

  private leading: AbortController | undefined;
  private lastRenew = 0;
  private readonly halt = new AbortController();
  private running: Promise<void> | undefined;

  /**
   * @param options See {@link LeaderElectorOptions}.
   * @throws RangeError when the identity is empty, a duration is not positive,
   *   `leaseDurationMs <= renewDeadlineMs`, or `renewDeadlineMs <= 1.2 × retryPeriodMs` (client-go's rules).
   */
  constructor(private readonly options: LeaderElectorOptions) {
    const leaseMs = options.leaseDurationMs ?? DEFAULTS.leaseDurationMs;
    this.renewDeadlineMs = options.renewDeadlineMs ?? DEFAULTS.renewDeadlineMs;
    this.retryPeriodMs = options.retryPeriodMs ?? DEFAULTS.retryPeriodMs;
    if (!options.identity) throw new RangeError('leader election: identity must not be empty');
    if (!(leaseMs > 0 && this.renewDeadlineMs > 0 && this.retryPeriodMs > 0))
      throw new RangeError('leader election: durations must be positive');
    if (leaseMs <= this.renewDeadlineMs)
      throw new RangeError('leader election: leaseDurationMs must be greater than renewDeadlineMs');
    if (this.renewDeadlineMs <= 1.2 * this.retryPeriodMs)
      throw new RangeError('leader election: renewDeadlineMs must be greater than 1.2 × retryPeriodMs');
    this.identity = options.identity;
    this.leaseDurationSeconds = Math.max(1, Math.ceil(leaseMs / 1000));
    this.clock = options.clock ?? systemClock;
    this.ref = { namespace: options.namespace, name: options.name };
    this.log = (options.logger ?? pino({ level: 'silent' })).child({
      lease: `${options.namespace}/${options.name}`,
      identity: options.identity,
    });
  }

  /** `true` while this candidate holds leadership (between the two callbacks). */
  isLeader(): boolean {
    return this.leading !== undefined;
  }

  /** `1` while leading, else `0` (the `leader_election_master_status` gauge value). */
  get leaderStatus(): 0 | 1 {
    return this.leading ? 1 : 0;
  }

  /** The holder last observed on the Lease (`''` when none or not read yet). */
  get leader(): string {
    return this.observed?.holderIdentity ?? '';
  }

  /**
   * Starts campaigning in the background: tries to acquire every `retryPeriodMs`, then renews
   * until leadership is lost or {@link stop} / {@link release} is called. Once leadership was lost
   * the elector does not campaign again (the process is expected to exit, as with client-go).
   * @throws Error when called twice.
   */
  start(): void {
    if (this.running) throw new Error('leader elector already started');
    this.running = this.run().catch((err) => this.log.error({ err }, 'leader election loop failed'));
  }

  /**
   * Stops campaigning and renewing *without* releasing the Lease (other candidates wait for it to
   * expire). Ends leadership if held (signal aborted, `onStoppedLeading`). Waits for an in-flight
   * request (bounded by the renew deadline). Idempotent.
   */
  async stop(): Promise<void> {
    this.halt.abort();
    await this.running;
    this.endLeading('elector stopped');
  }

  /**
   * Graceful hand-over: {@link stop}s (ending leadership first, so no two leaders ever work at
   * once), then — if the Lease as last seen is held by this candidate — clears `holderIdentity`
   * and sets a 1 s duration, locked on the version it last saw (a Lease someone else wrote since
   * is left alone), so a standby acquires on its next retry.
   * @returns `true` when the Lease was released; `false` when this candidate did not hold it (or
   *   another took it meanwhile). Errors are logged, never thrown.
   */
  async release(): Promise<boolean> {
    await this.stop();
    if (this.observed?.holderIdentity !== this.identity || !this.observedVersion) return false;
    const now = this.clock.now();
    const spec: LeaseSpec = {
      holderIdentity: null,
      leaseDurationSeconds: 1,
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: this.observed.leaseTransitions ?? 0,
    };
    try {
      await this.options.client.patch<Lease>(
        Resources.Lease,
        this.ref,
        { spec },
        { resourceVersion: this.observedVersion, signal: AbortSignal.timeout(this.renewDeadlineMs) },
      );
      this.log.info('released lease');
      return true;
    } catch (err) {
      if (!(err instanceof ConflictError)) this.log.warn({ err }, 'failed to release lease');
      return false;
    }
  }

  private async run(): Promise<void> {
    const halt = this.halt.signal;
    // Acquire.
    for (;;) {
      if (halt.aborted) return;
      const result = await this.attempt(this.renewDeadlineMs);
      if (result === 'acquired') break;
      await this.clock.sleep(this.acquireWaitMs(), halt);
    }
    if (halt.aborted) return;
    this.lastRenew = this.clock.now();
    this.startLeading();
    // Renew.
    for (;;) {
      const remaining = this.lastRenew + this.renewDeadlineMs - this.clock.now();
      await this.clock.sleep(Math.min(this.retryPeriodMs, remaining), halt);
      if (halt.aborted || !this.leading) return;
      const left = this.lastRenew + this.renewDeadlineMs - this.clock.now();
      if (left <= 0) return this.endLeading('failed to renew lease within the renew deadline');
      const result = await this.attempt(left);
      if (result === 'acquired') this.lastRenew = this.clock.now();
      else if (result === 'held') return this.endLeading(`lease taken over by ${this.leader}`);
      else if (this.clock.now() - this.lastRenew >= this.renewDeadlineMs)
        return this.endLeading('failed to renew lease within the renew deadline');
    }
  }

  /**
   * How long a candidate waits before the next acquire attempt: the retry period, shortened to the
   * moment the observed holder's lease expires (by the observed time) when that comes sooner.
   */
  private acquireWaitMs(): number {
    const holder = this.observed?.holderIdentity;
    if (!holder || holder === this.identity) return this.retryPeriodMs;
    const expiresIn = this.expiry() - this.clock.now();
    return Math.max(1, Math.min(this.retryPeriodMs, expiresIn + 1));
  }

  /** Local time at which the observed record expires unless it changes. */
  private expiry(): number {
    const seconds = this.observed?.leaseDurationSeconds ?? this.leaseDurationSeconds;
    return this.observedTime + seconds * 1000;
  }

  /**
   * One acquire-or-renew (client-go's `tryAcquireOrRenew`), cut off after `timeoutMs`.
   * @returns `acquired` (created / took over / renewed), `held` (another holder's valid lease),
   *   `failed` (409 race, timeout, API error).
   */
  private async attempt(timeoutMs: number): Promise<Attempt> {
    const cut = new AbortController();
    const timer = new AbortController();
    void this.clock.sleep(timeoutMs, timer.signal).then(() => {
      if (!timer.signal.aborted) cut.abort(new Error(`lease request timed out after ${timeoutMs} ms`));
    });
    try {
      return await this.tryAcquireOrRenew(cut.signal);
    } catch (err) {
      if (err instanceof ConflictError || err instanceof AlreadyExistsError) {
        this.log.debug({ err: err.message }, 'lost a lease update race');
      } else {
        this.log.warn({ err: (err as Error).message }, 'lease request failed');
      }
      return 'failed';
    } finally {
      timer.abort();
    }
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<Attempt> {
    const client = this.options.client;
    const lease = await client.get<Lease>(Resources.Lease, this.ref, signal);
    const now = this.clock.now();
    if (!lease) {
      const spec = this.record(now, undefined);
      const created = await client.create<Lease>(
        Resources.Lease,
        {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { namespace: this.ref.namespace, name: this.ref.name },
          spec,
        },
        { signal },
      );
      this.observe(created, this.clock.now());
      return 'acquired';
    }
    this.observe(lease, now);
    const holder = this.observed?.holderIdentity ?? '';
    if (holder && holder !== this.identity && this.expiry() > now) return 'held';
    const spec = this.record(now, this.observed);
    const updated = await client.patch<Lease>(
      Resources.Lease,
      this.ref,
      { spec },
      { resourceVersion: lease.metadata?.resourceVersion, signal },
    );
    this.observe(updated, this.clock.now());
    return 'acquired';
  }

  /** The record to write: a renewal keeps acquireTime/transitions; a takeover bumps transitions. */
  private record(now: number, old: LeaseSpec | undefined): LeaseSpec {
    const renewing = old?.holderIdentity === this.identity;
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.leaseDurationSeconds,
      acquireTime: renewing && old?.acquireTime ? old.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: renewing ? (old?.leaseTransitions ?? 0) : (old?.leaseTransitions ?? -1) + 1,
    };
  }

  /** Records the Lease as seen; the observed time moves only when the record changed. */
  private observe(lease: Lease, now: number): void {
    const spec: LeaseSpec = {
      holderIdentity: lease.spec?.holderIdentity ?? '',
      leaseDurationSeconds: lease.spec?.leaseDurationSeconds ?? this.leaseDurationSeconds,
      acquireTime: lease.spec?.acquireTime ?? '',
      renewTime: lease.spec?.renewTime ?? '',
      leaseTransitions: lease.spec?.leaseTransitions ?? 0,
    };
    const json = JSON.stringify(spec);
    if (json !== this.observedJson) {
      this.observed = spec;
      this.observedJson = json;
      this.observedTime = now;
    }
    this.observedVersion = lease.metadata?.resourceVersion;
    const holder = spec.holderIdentity ?? '';
    if (holder && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      this.log.info({ leader: holder }, 'new leader observed');
      try {
        this.options.onNewLeader?.(holder);
      } catch (err) {
        this.log.error({ err }, 'onNewLeader threw');
      }
    }
  }

  private startLeading(): void {
    const ac = new AbortController();
    this.leading = ac;
    this.log.info('acquired lease; leading');
    try {
      Promise.resolve(this.options.onStartedLeading(ac.signal)).catch((err) =>
        this.log.error({ err }, 'onStartedLeading failed'),
      );
    } catch (err) {
      this.log.error({ err }, 'onStartedLeading threw');
    }
  }

  private endLeading(reason: string): void {
    const ac = this.leading;
    if (!ac) return;
    this.leading = undefined;
    this.log.info({ reason }, 'stopped leading');
    ac.abort(new Error(`leadership ended: ${reason}`));
    try {
      this.options.onStoppedLeading();
    } catch (err) {
      this.log.error({ err }, 'onStoppedLeading threw');
    }
  }
}

/**
 * Registers the `leader_election_master_status{name}` gauge (1 while leading, else 0; the
 * controller-runtime metric) on `registry`, read from the elector at scrape time.
 */
export function registerLeaderElectionMetrics(
  registry: Registry,
  elector: LeaderElector,
  name: string,
): void {
  new Gauge({
    name: 'leader_election_master_status',
    help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master.',
    labelNames: ['name'],
    registers: [registry],
    collect() {
      this.set({ name }, elector.leaderStatus);
    },
  });
}
