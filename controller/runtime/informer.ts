/**
 * A list+watch informer for one kind (one namespace or all, optional label selector), after
 * client-go's reflector + shared informer:
 *
 * 1. list (paginated, consistent read) → fill the {@link ObjectCache} → emit adds → synced;
 * 2. watch from the list's resourceVersion with bookmarks and a randomized server-side
 *    `timeoutSeconds` (5–10 min by default); apply every event to the cache and emit
 *    add/update/delete (an update whose resourceVersion did not change is not emitted);
 * 3. when the watch ends (server timeout rotation, network drop, inactivity) resume from the
 *    last seen resourceVersion (events and bookmarks both advance it);
 * 4. on 410 Gone (HTTP status or `ERROR` event) re-list and emit the difference to the cache;
 * 5. on errors reconnect with capped exponential backoff + jitter.
 *
 * Handlers run synchronously in event order; exceptions in handlers are logged and swallowed.
 */
import { type Logger, pino } from 'pino';
import type { KubeClient } from '../kube/client.js';
import { GoneError, kubeApiError } from '../kube/errors.js';
import type { SelectorInput } from '../kube/label-selector.js';
import type { ResourceDescriptor } from '../kube/resources.js';
import { type KubeObject, objectKey } from '../kube/types.js';
import { WatchIdleTimeoutError } from '../kube/watch.js';
import { Backoff, type BackoffOptions, sleep } from './backoff.js';
import { deepFreeze, ObjectCache, type ObjectCacheOptions } from './cache.js';

/** Why a watch was re-opened. */
export type WatchRestartReason =
  /** The server ended the stream (normally its `timeoutSeconds` rotation). Resumes from the last resourceVersion. */
  | 'closed'
  /** 410 Gone: the resourceVersion is too old; a re-list follows. */
  | 'gone'
  /** Nothing (not even a bookmark) arrived for `idleTimeoutMs`; the connection is presumed dead. */
  | 'idle'
  /** Any other failure (network, TLS, 5xx, 403…); reconnects after backoff. */
  | 'error';

/** The two calls an informer makes; satisfied by {@link KubeClient}. */
export type ListWatchClient = Pick<KubeClient, 'list' | 'watch'>;

/** Callbacks for cache changes. All optional. */
export interface ResourceEventHandler<T extends KubeObject> {
  onAdd?(obj: T): void;
  /** Only called when `metadata.resourceVersion` changed. */
  onUpdate?(oldObj: T, newObj: T): void;
  /** `obj` is the final state from the delete event, or the last cached state after a re-list. */
  onDelete?(obj: T): void;
}

/** Options of {@link Informer}. */
export interface InformerOptions<T extends KubeObject> {
  /** Namespace to watch; omit (or `''`) for all namespaces. */
  namespace?: string | undefined;
  labelSelector?: SelectorInput;
  fieldSelector?: string | undefined;
  /** Range of the randomized server-side watch duration, seconds. @default { min: 300, max: 600 } */
  watchTimeoutSeconds?: { min: number; max: number };
  /**
   * Reconnect when the watch received nothing for this long (ms). With bookmarks on, the API
   * server sends one every 1–2 min (measured ~2 min on v1.34), so silence for longer means a dead
   * connection. Kept below undici's 300 s body timeout so the cause is reported as `idle`.
   * `0` disables.
   * @default 270000
   */
  idleTimeoutMs?: number;
  /** Reconnect backoff. @default { initialMs: 800, maxMs: 30000, factor: 2 } */
  backoff?: BackoffOptions;
  /** List page size. @default 500 */
  pageSize?: number;
  /**
   * Cache only `metadata` of each object (metadata-only list and watch: see
   * `METADATA_ONLY_ACCEPT`). For kinds whose spec and status no reader of the cache needs.
   * @default false
   */
  metadataOnly?: boolean;
  /** Cache options (extra indexes, freezing). */
  cache?: ObjectCacheOptions<T>;
  /**
   * Applied to every listed or watched object before it is cached and handed to handlers (e.g.
   * {@link stripManagedFields}). May mutate and return its argument. @default none
   */
  transform?: (obj: T) => T;
  /** @default a silent logger */
  logger?: Logger;
  /** Random source for timeouts and jitter (tests). @default Math.random */
  random?: () => number;
}

/**
 * Drops `metadata.managedFields` (what controller-runtime's `TransformStripManagedFields` does): no
 * reconciler reads them, they are ~40% of a cached StatefulSet or Pod and ~25% of a SeiNode, and
 * writes built from cached objects stay correct — the API server keeps an object's managedFields
 * when an update omits them. Measured: docs/performance.md (controller memory with 1000 SeiNodes).
 */
export function stripManagedFields<T extends KubeObject>(obj: T): T {
  if (obj.metadata?.managedFields) delete obj.metadata.managedFields;
  return obj;
}

/** Options of {@link Informer.waitForSync}. */
export interface WaitForSyncOptions {
  signal?: AbortSignal;
  /** Give up after this many ms. */
  timeoutMs?: number;
}

/** Keeps an {@link ObjectCache} in sync with the API server and notifies handlers of changes. */
export class Informer<T extends KubeObject = KubeObject> {
  /** The store this informer fills (read it; never write it). */
  readonly cache: ObjectCache<T>;
  /** Namespace watched (`''` = all). */
  readonly namespace: string;

  private readonly handlers = new Set<ResourceEventHandler<T>>();
  private readonly restartListeners = new Set<(reason: WatchRestartReason, err?: unknown) => void>();
  private readonly restarts: Record<WatchRestartReason, number> = { closed: 0, gone: 0, idle: 0, error: 0 };
  private readonly log: Logger;
  private readonly random: () => number;
  private readonly backoff: Backoff;
  private readonly syncWaiters = new Set<{ resolve: () => void; reject: (err: unknown) => void }>();

  private synced = false;
  private resourceVersion = '';
  private running: Promise<void> | undefined;
  private abort = new AbortController();
  private stopped = false;
  private error: unknown;

  /**
   * @param client Performs list and watch (a {@link KubeClient} or a stand-in).
   * @param resource The kind to inform on.
   * @param options See {@link InformerOptions}.
   */
  constructor(
    private readonly client: ListWatchClient,
    readonly resource: ResourceDescriptor,
    private readonly options: InformerOptions<T> = {},
  ) {
    this.namespace = resource.namespaced ? (options.namespace ?? '') : '';
    this.cache = new ObjectCache<T>(options.cache);
    this.log = (options.logger ?? pino({ level: 'silent' })).child({
      informer: resource.plural,
      namespace: this.namespace || '*',
    });
    this.random = options.random ?? Math.random;
    this.backoff = new Backoff({ random: this.random, ...options.backoff });
  }

  /**
   * Registers handlers. If the informer has already synced, `onAdd` is called at once for every
   * cached object, so a late handler sees the same world as an early one.
   * @returns A function that unregisters the handlers.
   */
  addEventHandler(handler: ResourceEventHandler<T>): () => void {
    this.handlers.add(handler);
    if (this.synced && handler.onAdd) {
      for (const obj of this.cache.list()) this.call(handler, 'onAdd', obj);
    }
    return () => this.handlers.delete(handler);
  }

  /** Shorthand for `addEventHandler({ onAdd })`. */
  onAdd(fn: (obj: T) => void): () => void {
    return this.addEventHandler({ onAdd: fn });
  }

  /** Shorthand for `addEventHandler({ onUpdate })`. */
  onUpdate(fn: (oldObj: T, newObj: T) => void): () => void {
    return this.addEventHandler({ onUpdate: fn });
  }

  /** Shorthand for `addEventHandler({ onDelete })`. */
  onDelete(fn: (obj: T) => void): () => void {
    return this.addEventHandler({ onDelete: fn });
  }

  /**
   * Calls `fn` each time the watch is re-opened (for the watch-restart metric).
   * @returns A function that unregisters it.
   */
  onWatchRestart(fn: (reason: WatchRestartReason, err?: unknown) => void): () => void {
    this.restartListeners.add(fn);
    return () => this.restartListeners.delete(fn);
  }

  /** Watch restarts so far, by reason. */
  watchRestarts(): Readonly<Record<WatchRestartReason, number>> {
    return { ...this.restarts };
  }

  /** `true` once the first list has been applied to the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion the next watch would resume from (`''` before the first list). */
  lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  /** The most recent list/watch failure, cleared by the next successful list or watch event. */
  lastError(): unknown {
    return this.error;
  }

  /** `true` between {@link start} and {@link stop}. */
  isRunning(): boolean {
    return this.running !== undefined && !this.stopped;
  }

  /**
   * Starts listing and watching in the background. Idempotent.
   * @throws Error when called after {@link stop}.
   */
  start(): void {
    if (this.stopped) throw new Error(`informer ${this.resource.plural} was stopped; create a new one`);
    if (this.running) return;
    this.running = this.run().catch((err) => this.log.error({ err }, 'informer loop crashed'));
  }

  /**
   * Stops the informer: closes the watch, ends the loop, rejects pending {@link waitForSync}s.
   * Handlers are not called after this resolves. The cache keeps its last content.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort(new Error('informer stopped'));
    for (const w of this.syncWaiters)
      w.reject(new Error(`informer ${this.resource.plural} stopped before sync`));
    this.syncWaiters.clear();
    await this.running;
  }

  /**
   * Resolves once the first list is in the cache.
   * @throws the abort reason, a `TimeoutError` DOMException after `timeoutMs`, or an Error when
   *   the informer is stopped before it synced.
   */
  waitForSync(opts: WaitForSyncOptions = {}): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.stopped)
      return Promise.reject(new Error(`informer ${this.resource.plural} stopped before sync`));
    return new Promise<void>((resolve, reject) => {
      const signals = [
        opts.signal,
        opts.timeoutMs !== undefined ? AbortSignal.timeout(opts.timeoutMs) : undefined,
      ];
      const active = signals.filter((s): s is AbortSignal => s !== undefined);
      const signal = active.length > 0 ? AbortSignal.any(active) : undefined;
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        this.syncWaiters.delete(waiter);
        reject(signal?.reason);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.add(waiter);
    });
  }

  // ---------------------------------------------------------------------------------------

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let needList = true;
    let listedJustNow = false;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.list(signal);
          needList = false;
          listedJustNow = true;
        }
        const started = performance.now();
        const { outcome, events } = await this.watchOnce(signal);
        if (this.stopped) return;
        const healthy = events > 0 || performance.now() - started > 10_000;
        if (healthy) this.backoff.reset();
        this.restarted(outcome);
        if (outcome === 'gone') {
          needList = true;
          // A fresh list whose watch is immediately Gone again: do not hammer the server.
          if (listedJustNow && events === 0) await sleep(this.backoff.next(), signal);
        } else if (!healthy) {
          await sleep(this.backoff.next(), signal);
        }
        listedJustNow = false;
      } catch (err) {
        if (this.stopped) return;
        this.error = err;
        if (err instanceof GoneError) {
          needList = true;
          this.restarted('gone', err);
          if (listedJustNow) await sleep(this.backoff.next(), signal);
          listedJustNow = false;
          continue;
        }
        const delay = this.backoff.next();
        if (needList) {
          this.log.warn({ err, delayMs: Math.round(delay) }, 'list failed; retrying');
        } else {
          this.restarted(err instanceof WatchIdleTimeoutError ? 'idle' : 'error', err);
          this.log.warn({ err, delayMs: Math.round(delay) }, 'watch failed; reconnecting');
        }
        listedJustNow = false;
        await sleep(delay, signal);
      }
    }
  }

  private async list(signal: AbortSignal): Promise<void> {
    const { items, resourceVersion } = await this.client.list<T>(this.resource, {
      namespace: this.namespace,
      labelSelector: this.options.labelSelector,
      fieldSelector: this.options.fieldSelector,
      pageSize: this.options.pageSize,
      metadataOnly: this.options.metadataOnly,
      signal,
    });
    if (this.stopped) return;
    this.error = undefined;
    const transform = this.options.transform;
    const diff = this.cache.replace(transform ? items.map(transform) : items);
    this.resourceVersion = resourceVersion;
    this.log.debug(
      {
        resourceVersion,
        added: diff.added.length,
        updated: diff.updated.length,
        deleted: diff.deleted.length,
      },
      'listed',
    );
    for (const obj of diff.added) this.emit('onAdd', obj);
    for (const u of diff.updated) this.emit('onUpdate', u.old, u.new);
    for (const obj of diff.deleted) this.emit('onDelete', obj);
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters) w.resolve();
      this.syncWaiters.clear();
    }
  }

  /** One watch connection. Resolves when the server ends it or it reports 410; throws otherwise. */
  private async watchOnce(signal: AbortSignal): Promise<{ outcome: 'closed' | 'gone'; events: number }> {
    const { min, max } = this.options.watchTimeoutSeconds ?? { min: 300, max: 600 };
    const timeoutSeconds = Math.floor(min + this.random() * (max - min + 1));
    let events = 0;
    const stream = this.client.watch<T>(this.resource, {
      namespace: this.namespace,
      labelSelector: this.options.labelSelector,
      fieldSelector: this.options.fieldSelector,
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds,
      idleTimeoutMs: this.options.idleTimeoutMs ?? 270_000,
      metadataOnly: this.options.metadataOnly,
      signal,
    });
    for await (const ev of stream) {
      if (this.stopped) break;
      if (ev.type === 'ERROR') {
        const status = ev.object;
        if (status.code === 410) {
          this.log.info({ message: status.message }, 'watch: resourceVersion gone; re-listing');
          return { outcome: 'gone', events };
        }
        throw kubeApiError(status.code ?? 500, status);
      }
      events++;
      this.error = undefined;
      const obj =
        this.options.transform && ev.type !== 'BOOKMARK' ? this.options.transform(ev.object) : ev.object;
      if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.upsert(obj);
      else if (ev.type === 'DELETED') this.remove(obj);
      const rv = obj.metadata?.resourceVersion;
      if (rv) this.resourceVersion = rv;
    }
    return { outcome: 'closed', events };
  }

  private upsert(obj: T): void {
    const old = this.cache.getByKey(objectKey(obj));
    if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    this.cache.set(obj);
    if (old) this.emit('onUpdate', old, obj);
    else this.emit('onAdd', obj);
  }

  private remove(obj: T): void {
    const old = this.cache.delete(objectKey(obj));
    if (old) this.emit('onDelete', this.options.cache?.freeze === false ? obj : deepFreeze(obj));
  }

  private restarted(reason: WatchRestartReason, err?: unknown): void {
    this.restarts[reason]++;
    this.log.debug({ reason, resourceVersion: this.resourceVersion }, 'watch restart');
    for (const l of this.restartListeners) {
      try {
        l(reason, err);
      } catch (e) {
        this.log.error({ err: e }, 'watch-restart listener threw');
      }
    }
  }

  private emit(kind: 'onAdd' | 'onDelete', obj: T): void;
  private emit(kind: 'onUpdate', oldObj: T, newObj: T): void;
  private emit(kind: keyof ResourceEventHandler<T>, a: T, b?: T): void {
    if (this.stopped) return;
    for (const h of this.handlers) this.call(h, kind, a, b);
  }

  private call(h: ResourceEventHandler<T>, kind: keyof ResourceEventHandler<T>, a: T, b?: T): void {
    try {
      if (kind === 'onUpdate') h.onUpdate?.(a, b as T);
      else h[kind]?.(a);
    } catch (err) {
      this.log.error({ err, handler: kind }, 'event handler threw');
    }
  }
}
