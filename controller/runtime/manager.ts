/**
 * The manager owns the client, one shared informer per (kind, namespace, selector), and the
 * controllers. Start order: informers → wait for every cache to sync → controllers. Stop order:
 * controllers (drain in-flight reconciles) → informers.
 *
 * With leader election, call {@link Manager.startCaches} at boot (warm caches on every replica)
 * and {@link Manager.startControllers} once leadership is acquired.
 */
import { type Logger, pino } from 'pino';
import type { KubeClient } from '../kube/client.js';
import { Selector, type SelectorInput } from '../kube/label-selector.js';
import type { ResourceDescriptor } from '../kube/resources.js';
import type { KubeObject } from '../kube/types.js';
import type { IndexFunc } from './cache.js';
import { Controller, type ControllerOptions, type StopOptions } from './controller.js';
import { Informer, type InformerOptions, stripManagedFields, type WatchRestartReason } from './informer.js';

/** Options of {@link Manager}. */
export interface ManagerOptions {
  client: KubeClient;
  /** @default a silent logger */
  logger?: Logger;
  /** Defaults for every informer the manager creates (timeouts, backoff, page size…). */
  informerDefaults?: Pick<
    InformerOptions<KubeObject>,
    'watchTimeoutSeconds' | 'idleTimeoutMs' | 'backoff' | 'pageSize'
  >;
  /** How long {@link Manager.startCaches} waits for all caches to sync (ms). @default 120000 */
  syncTimeoutMs?: number;
  /** Called on every watch restart of every informer (for the watch-restarts metric). */
  onWatchRestart?: (resource: ResourceDescriptor, namespace: string, reason: WatchRestartReason) => void;
}

/** Options of {@link Manager.informer}. */
export interface SharedInformerOptions<T extends KubeObject> {
  /** Namespace to watch; omit for all namespaces. */
  namespace?: string;
  labelSelector?: SelectorInput;
  /** Extra cache indexes (added to the shared cache if missing). */
  indexers?: Record<string, IndexFunc<T>>;
  /**
   * Cache only `metadata` (see {@link InformerOptions.metadataOnly}); a separate shared informer
   * from the full one of the same resource. @default false
   */
  metadataOnly?: boolean;
}

/** See the module comment. */
export class Manager {
  readonly client: KubeClient;
  private readonly log: Logger;
  // biome-ignore lint/suspicious/noExplicitAny: heterogeneous map of informers
  private readonly shared = new Map<string, Informer<any>>();
  private readonly controllers: Controller<KubeObject>[] = [];
  private cachesStarted = false;
  private controllersStarted = false;
  private stopping: Promise<void> | undefined;

  /** @param options See {@link ManagerOptions}. */
  constructor(private readonly options: ManagerOptions) {
    this.client = options.client;
    this.log = options.logger ?? pino({ level: 'silent' });
  }

  /**
   * The shared informer for a kind in a namespace (or all) with a label selector; created on
   * first request. Informers requested after {@link startCaches} are started at once.
   */
  informer<T extends KubeObject>(
    resource: ResourceDescriptor,
    opts: SharedInformerOptions<T> = {},
  ): Informer<T> {
    const namespace = resource.namespaced ? (opts.namespace ?? '') : '';
    const selector = Selector.from(opts.labelSelector).toString();
    const id = `${resource.apiVersion}/${resource.plural}|${namespace}|${selector}${opts.metadataOnly ? '|metadata' : ''}`;
    let inf = this.shared.get(id) as Informer<T> | undefined;
    if (!inf) {
      inf = new Informer<T>(this.client, resource, {
        ...this.options.informerDefaults,
        namespace,
        labelSelector: selector || undefined,
        metadataOnly: opts.metadataOnly,
        cache: { indexers: opts.indexers },
        // The caches hold every SeiNode and owned object of the fleet: keep them lean.
        transform: stripManagedFields,
        logger: this.log,
      });
      const restart = this.options.onWatchRestart;
      if (restart) inf.onWatchRestart((reason) => restart(resource, namespace, reason));
      this.shared.set(id, inf);
      if (this.cachesStarted) inf.start();
    } else {
      for (const [name, fn] of Object.entries(opts.indexers ?? {})) inf.cache.addIndex(name, fn);
    }
    return inf;
  }

  /** All informers created so far. */
  informers(): Informer<KubeObject>[] {
    return [...this.shared.values()];
  }

  /**
   * Creates a controller and registers it (logger defaults to the manager's).
   * @throws Error once controllers have been started.
   */
  controller<T extends KubeObject>(opts: ControllerOptions<T>): Controller<T> {
    const c = new Controller<T>({ logger: this.log, ...opts });
    this.add(c);
    return c;
  }

  /**
   * Registers an existing controller.
   * @throws Error once controllers have been started.
   */
  add<T extends KubeObject>(controller: Controller<T>): void {
    if (this.controllersStarted || this.stopping)
      throw new Error('cannot add a controller to a started manager');
    this.controllers.push(controller as unknown as Controller<KubeObject>);
  }

  /**
   * Starts every informer and waits until all have synced.
   * @throws the first sync failure (e.g. a `TimeoutError` after `syncTimeoutMs`, when RBAC
   *   forbids a list) — the informers keep retrying in the background.
   */
  async startCaches(signal?: AbortSignal): Promise<void> {
    this.cachesStarted = true;
    const all = [...this.shared.values(), ...this.controllers.flatMap((c) => c.informers)];
    for (const inf of new Set(all)) if (!inf.isRunning()) inf.start();
    const timeoutMs = this.options.syncTimeoutMs ?? 120_000;
    await Promise.all(
      [...new Set(all)].map((inf) => inf.waitForSync({ timeoutMs, ...(signal ? { signal } : {}) })),
    );
    this.log.info({ informers: all.length }, 'caches synced');
  }

  /**
   * Starts every registered controller. Call after {@link startCaches}.
   * @throws Error when called twice, or before the caches synced.
   */
  startControllers(): void {
    if (this.controllersStarted) throw new Error('controllers already started');
    for (const c of this.controllers) {
      for (const inf of c.informers) {
        if (!inf.hasSynced())
          throw new Error(`controller ${c.name}: informer ${inf.resource.plural} has not synced`);
      }
    }
    this.controllersStarted = true;
    for (const c of this.controllers) c.start();
  }

  /** {@link startCaches}, then {@link startControllers}. */
  async start(signal?: AbortSignal): Promise<void> {
    await this.startCaches(signal);
    this.startControllers();
  }

  /**
   * Ordered shutdown: stop all controllers (in parallel, each draining for up to `drainMs`),
   * then all informers. Idempotent.
   */
  stop(opts: StopOptions = {}): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all(this.controllers.map((c) => c.stop(opts)));
      const all = new Set([...this.shared.values(), ...this.controllers.flatMap((c) => c.informers)]);
      await Promise.all([...all].map((inf) => inf.stop()));
      this.log.info('manager stopped');
    })();
    return this.stopping;
  }
}
