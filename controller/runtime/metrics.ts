/**
 * Prometheus bindings for the runtime's hooks, named like controller-runtime's so existing
 * dashboards work: reconcile totals/errors/duration per controller, work-queue depth, adds,
 * retries and latencies, API requests by verb/resource/code, and informer watch restarts.
 *
 * Wiring: `hooks` → `ControllerOptions.hooks`, `requestObserver` → `KubeClientOptions.observers`,
 * `watchRestart` → `ManagerOptions.onWatchRestart`.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RequestObserver } from '../kube/request-counter.js';
import type { ResourceDescriptor } from '../kube/resources.js';
import type { ControllerHooks } from './controller.js';
import type { WatchRestartReason } from './informer.js';

/** Exponential buckets in seconds from 1 ms to ~16 s (plus a 60 s bucket). */
const SECONDS_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 16, 60];

/** The runtime's Prometheus metrics, registered in one registry. */
export class RuntimeMetrics {
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly queueDepth: Gauge<'name'>;
  readonly queueAdds: Counter<'name'>;
  readonly queueRetries: Counter<'name'>;
  readonly queueLatency: Histogram<'name'>;
  readonly workDuration: Histogram<'name'>;
  readonly requests: Counter<'verb' | 'resource' | 'code'>;
  readonly requestLatency: Histogram<'verb'>;
  readonly watchRestarts: Counter<'resource' | 'namespace' | 'reason'>;

  /** Controller + work-queue hooks feeding these metrics. */
  readonly hooks: ControllerHooks;
  /** Request observer feeding `rest_client_*`. */
  readonly requestObserver: RequestObserver;

  /** @param registry Where to register (e.g. prom-client's default `register`). */
  constructor(registry: Registry) {
    const registers = [registry];
    this.reconcileTotal = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Reconciliations per controller and result (success, error, requeue_after).',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Reconciliations that failed, per controller.',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Duration of reconciliations per controller.',
      labelNames: ['controller'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'workqueue_depth',
      help: 'Keys waiting in the work queue.',
      labelNames: ['name'],
      registers,
    });
    this.queueAdds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Keys added to the work queue (after de-duplication).',
      labelNames: ['name'],
      registers,
    });
    this.queueRetries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Rate-limited re-adds (retries) of keys.',
      labelNames: ['name'],
      registers,
    });
    this.queueLatency = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'Time a key waits in the queue before a worker takes it.',
      labelNames: ['name'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.workDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'Time a worker spends on a key.',
      labelNames: ['name'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.requests = new Counter({
      name: 'rest_client_requests_total',
      help: 'API server requests by verb, resource and HTTP code (0 = no response).',
      labelNames: ['verb', 'resource', 'code'],
      registers,
    });
    this.requestLatency = new Histogram({
      name: 'rest_client_request_duration_seconds',
      help: 'API request latency until response headers, by verb.',
      labelNames: ['verb'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.watchRestarts = new Counter({
      name: 'sei_controller_watch_restarts_total',
      help: 'Informer watch re-opens by resource, namespace and reason (closed, gone, idle, error).',
      labelNames: ['resource', 'namespace', 'reason'],
      registers,
    });

    this.hooks = {
      reconciled: (controller, result, ms) => {
        this.reconcileTotal.inc({ controller, result });
        if (result === 'error') this.reconcileErrors.inc({ controller });
        this.reconcileTime.observe({ controller }, ms / 1000);
      },
      depth: (name, depth) => this.queueDepth.set({ name }, depth),
      add: (name) => this.queueAdds.inc({ name }),
      retry: (name) => this.queueRetries.inc({ name }),
      queueLatency: (name, ms) => this.queueLatency.observe({ name }, ms / 1000),
      workDuration: (name, ms) => this.workDuration.observe({ name }, ms / 1000),
    };
    this.requestObserver = (e) => {
      this.requests.inc({ verb: e.verb, resource: e.resource, code: String(e.code) });
      this.requestLatency.observe({ verb: e.verb }, e.durationMs / 1000);
    };
  }

  /** Counts one watch restart (signature of `ManagerOptions.onWatchRestart`). */
  readonly watchRestart = (
    resource: ResourceDescriptor,
    namespace: string,
    reason: WatchRestartReason,
  ): void => {
    this.watchRestarts.inc({ resource: resource.plural, namespace: namespace || '*', reason });
  };
}
