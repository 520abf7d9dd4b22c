/**
 * A controller: informer events → mapped keys → rate-limited work queue → `concurrency`
 * workers calling a {@link Reconciler}. Errors are retried with backoff; a throwing reconcile
 * never crashes the process; a key is never reconciled by two workers at once.
 */

import { type Logger, pino } from 'pino';
import { ConflictError } from '../kube/errors.js';
import type { KubeObject } from '../kube/types.js';
import type { Informer } from './informer.js';
import { type MapFunc, self } from './mappers.js';
import type { RateLimiter } from './rate-limiter.js';
import {
  type ReconcileFunc,
  type Reconciler,
  type Request,
  requestFromKey,
  requestKey,
} from './reconciler.js';
import { WorkQueue, type WorkQueueHooks } from './work-queue.js';

/** Which informer event a predicate is asked about. */
export type EventKind = 'add' | 'update' | 'delete';

/** Decides whether an event is worth a reconcile (`true` = enqueue). `old` is set for updates. */
export type Predicate<S extends KubeObject = KubeObject> = (kind: EventKind, obj: S, old?: S) => boolean;

/** A secondary watch: events of `informer` are mapped to primary keys by `map`. */
export interface WatchSpec<S extends KubeObject = KubeObject> {
  informer: Informer<S>;
  /** E.g. `ownedBy(Resources.SeiNode)`, or `(snd) => seinodesReferencing(snd)`. */
  map: MapFunc<S>;
  predicate?: Predicate<S>;
}

/** Outcome label of one reconcile. */
export type ReconcileOutcome = 'success' | 'error' | 'requeue_after';

/** Metric hooks of a controller (queue hooks are passed to its {@link WorkQueue}). */
export interface ControllerHooks extends WorkQueueHooks {
  /** After each reconcile: controller name, outcome, duration (ms), error when it failed. */
  reconciled?(controller: string, outcome: ReconcileOutcome, durationMs: number, err?: unknown): void;
}

/** Options of {@link Controller}. */
export interface ControllerOptions<T extends KubeObject> {
  /** Name for logs, metrics and the queue. */
  name: string;
  /** Informer of the primary kind: each of its events enqueues the object's own key. */
  primary: Informer<T>;
  /** Filter for primary events. @default everything */
  predicate?: Predicate<T>;
  // biome-ignore lint/suspicious/noExplicitAny: each watch has its own object type
  watches?: WatchSpec<any>[];
  reconciler: Reconciler | ReconcileFunc;
  /** Parallel workers. @default 1 */
  concurrency?: number;
  /** @default defaultControllerRateLimiter() */
  rateLimiter?: RateLimiter;
  hooks?: ControllerHooks;
  /** @default a silent logger */
  logger?: Logger;
}

/** Options of {@link Controller.stop}. */
export interface StopOptions {
  /**
   * How long in-flight reconciles may finish before their signal is aborted (ms).
   * @default 30000
   */
  drainMs?: number;
}

/** See the module comment. Create, `start()` (after its informers synced), `stop()`. */
export class Controller<T extends KubeObject = KubeObject> {
  readonly name: string;
  /** The controller's queue (exposed for tests and metrics). */
  readonly queue: WorkQueue;
  /** Informers this controller reads events from (primary first). */
  readonly informers: readonly Informer<KubeObject>[];

  private readonly reconcileFn: ReconcileFunc;
  private readonly concurrency: number;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private unsubscribe: (() => void)[] = [];
  private workers: Promise<void>[] = [];
  private started = false;
  private stopping: Promise<void> | undefined;

  /**
   * @param options See {@link ControllerOptions}.
   * @throws RangeError when `concurrency` is not a positive integer.
   */
  constructor(private readonly options: ControllerOptions<T>) {
    this.name = options.name;
    this.concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new RangeError(`controller ${this.name}: concurrency must be a positive integer`);
    }
    const r = options.reconciler;
    this.reconcileFn = typeof r === 'function' ? r : (req, signal) => r.reconcile(req, signal);
    this.queue = new WorkQueue({
      name: options.name,
      rateLimiter: options.rateLimiter,
      hooks: options.hooks,
    });
    this.log = (options.logger ?? pino({ level: 'silent' })).child({ controller: options.name });
    this.informers = [
      options.primary,
      ...(options.watches ?? []).map((w) => w.informer),
    ] as Informer<KubeObject>[];
  }

  /** Queues a request (or a `namespace/name` key) for reconciliation. */
  enqueue(req: Request | string): void {
    this.queue.add(typeof req === 'string' ? req : requestKey(req));
  }

  /**
   * Subscribes to the informers (already-cached objects are enqueued at once) and starts the
   * workers. Start it after the informers have synced, or the first reconciles see a partial cache.
   * @throws Error when started twice or after stop.
   */
  start(): void {
    if (this.started || this.stopping) throw new Error(`controller ${this.name} already started or stopped`);
    this.started = true;
    this.subscribe(this.options.primary, self as MapFunc<T>, this.options.predicate);
    for (const w of this.options.watches ?? []) this.subscribe(w.informer, w.map, w.predicate);
    for (let i = 0; i < this.concurrency; i++) this.workers.push(this.worker());
    this.log.info({ concurrency: this.concurrency }, 'controller started');
  }

  /**
   * Stops taking work, lets in-flight reconciles finish for up to `drainMs`, then aborts their
   * signal and returns (a reconcile that ignores its signal is left to finish on its own).
   * Idempotent; safe before `start`.
   */
  stop(opts: StopOptions = {}): Promise<void> {
    this.stopping ??= this.doStop(opts.drainMs ?? 30_000);
    return this.stopping;
  }

  private async doStop(drainMs: number): Promise<void> {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    const drained = await this.queue.shutDownWithDrain(drainMs);
    if (!drained) {
      this.log.warn(
        { inFlight: this.queue.processingCount() },
        'drain timed out; aborting in-flight reconciles',
      );
    }
    this.abort.abort(new Error(`controller ${this.name} stopped`));
    if (drained) await Promise.all(this.workers);
    this.log.info('controller stopped');
  }

  private subscribe<S extends KubeObject>(
    informer: Informer<S>,
    map: MapFunc<S>,
    predicate?: Predicate<S>,
  ): void {
    // Keys are collected first so an update whose old and new objects map to the same key
    // enqueues it once (otherwise a worker could take the first add and the second would
    // mark it dirty: a needless second reconcile).
    const enqueue = (...objs: S[]) => {
      const keys = new Set<string>();
      try {
        for (const obj of objs) for (const req of map(obj)) keys.add(requestKey(req));
      } catch (err) {
        this.log.error({ err }, 'mapper threw');
      }
      for (const k of keys) this.queue.add(k);
    };
    const allow = (kind: EventKind, obj: S, old?: S) => {
      try {
        return predicate ? predicate(kind, obj, old) : true;
      } catch (err) {
        this.log.error({ err }, 'predicate threw');
        return false;
      }
    };
    this.unsubscribe.push(
      informer.addEventHandler({
        onAdd: (obj) => allow('add', obj) && enqueue(obj),
        onUpdate: (old, obj) => allow('update', obj, old) && enqueue(old, obj),
        onDelete: (obj) => allow('delete', obj) && enqueue(obj),
      }),
    );
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    const started = performance.now();
    let outcome: ReconcileOutcome = 'success';
    let error: unknown;
    try {
      const result = await this.reconcileFn(requestFromKey(key), this.abort.signal);
      this.queue.forget(key);
      const after = result?.requeueAfterMs ?? 0;
      if (after > 0) {
        outcome = 'requeue_after';
        this.queue.addAfter(key, after);
      }
    } catch (err) {
      outcome = 'error';
      error = err;
      this.queue.addRateLimited(key);
      if (err instanceof ConflictError) {
        // The object changed under us (usually our own write not yet in the cache): retry quietly.
        this.log.debug({ key, retries: this.queue.numRequeues(key) }, 'conflict; requeued');
      } else {
        this.log.error({ err, key, retries: this.queue.numRequeues(key) }, 'reconcile failed');
      }
    } finally {
      this.queue.done(key);
    }
    const ms = performance.now() - started;
    try {
      this.options.hooks?.reconciled?.(this.name, outcome, ms, error);
    } catch {
      // metric hooks must not break the worker
    }
    this.log.debug({ key, outcome, ms: Math.round(ms) }, 'reconciled');
  }
}
