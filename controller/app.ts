import type { Server } from 'node:http';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { SeiNode, SeiNodeDeployment } from '../constructs/api/types';
import type { PlatformConfig } from '../constructs/platform-config';
import { KubeEventRecorder } from './events/recorder';
import { startHealthServer } from './health-server';
import type { KubeClient } from './kube/client';
import { RequestCounter } from './kube/request-counter';
import { Resources } from './kube/resources';
import { startMetricsServer } from './metrics-server';
import type { RetryBackoff } from './planner/executor';
import { Manager } from './runtime/manager';
import { RuntimeMetrics } from './runtime/metrics';
import { SeiMetrics } from './sei-metrics';
import { setupSeiNodeController } from './seinode/setup';
import { setupSeiNodeDeploymentController } from './seinodedeployment/setup';
import type { SidecarClientFactory } from './sidecar/factory';

/** Options of {@link startController}. */
export interface ControllerAppOptions {
  readonly client: KubeClient;
  readonly platform: PlatformConfig;
  readonly log: Logger;
  /** Watch one namespace. @default all namespaces */
  readonly namespace?: string;
  /** Parallel reconciles per controller. @default 4 */
  readonly concurrency?: number;
  /** Health probe address (`:8081`; `0` disables). @default '0' */
  readonly healthBindAddress?: string;
  /** Prometheus metrics address (`:8080`; `0` disables). @default '0' */
  readonly metricsBindAddress?: string;
  /** Name of this controller instance for Events. @default `$POD_NAME` or the hostname */
  readonly instance?: string;
  /** Builds sidecar clients. */
  readonly sidecars: SidecarClientFactory;
  /** Backoff between failed task attempts. @default 5 s doubling to 60 s */
  readonly retryBackoff?: RetryBackoff;
  /** Sidecar probe interval of Running nodes (ms). @default 30000 */
  readonly probeIntervalMs?: number;
  /** SeiNodeDeployment rollout progress deadline (ms). @default 1800000 */
  readonly rolloutDeadlineMs?: number;
  /** The controller's pod IP (P2P routability gate). @default process.env.POD_IP */
  readonly controllerPodIp?: string;
  /** DNS check of route hostnames. @default a system DNS lookup */
  readonly resolveHost?: (host: string) => Promise<boolean>;
}

/** A running controller process (or an in-process one in tests). */
export interface RunningController {
  readonly manager: Manager;
  /** The Prometheus registry the controller's metrics live in. */
  readonly registry: Registry;
  /** Every API request the controller made, by verb (benchmarks and write-at-rest tests). */
  readonly requests: RequestCounter;
  /** Stops taking work, lets in-flight reconciles finish for up to `drainMs`, closes servers. */
  stop(drainMs?: number): Promise<void>;
}

/**
 * Wires the controllers onto a manager, starts the health server, syncs the caches and starts
 * reconciling. Used by `controller/main.ts`, the demo and the integration tests (which pass a client
 * impersonating the controller's ServiceAccount).
 *
 * @throws when the caches cannot sync (e.g. RBAC forbids a list) or the health address is taken
 */
export async function startController(opts: ControllerAppOptions): Promise<RunningController> {
  const instance = opts.instance ?? process.env.POD_NAME ?? hostname();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = new RuntimeMetrics(registry);
  const requests = new RequestCounter();
  const client = opts.client.withObserver(metrics.requestObserver).withObserver(requests.observer);
  const manager = new Manager({ client, logger: opts.log, onWatchRestart: metrics.watchRestart });
  const recorder = new KubeEventRecorder(client, 'sei.io/seinode-controller', instance, (err) =>
    opts.log.warn({ err: (err as Error).message }, 'failed to record event'),
  );
  const nodeCache = manager.informer<SeiNode>(
    Resources.SeiNode,
    opts.namespace ? { namespace: opts.namespace } : {},
  );
  const deploymentCache = manager.informer<SeiNodeDeployment>(
    Resources.SeiNodeDeployment,
    opts.namespace ? { namespace: opts.namespace } : {},
  );
  const seiMetrics = new SeiMetrics(registry, {
    nodes: () => nodeCache.cache.list(),
    deployments: () => deploymentCache.cache.list(),
    isLeader: () => leading,
  });
  const leading = true;
  setupSeiNodeController(manager, {
    platform: opts.platform,
    recorder,
    log: opts.log,
    namespace: opts.namespace,
    concurrency: opts.concurrency,
    hooks: metrics.hooks,
    sidecars: opts.sidecars,
    retryBackoff: opts.retryBackoff,
    probeIntervalMs: opts.probeIntervalMs,
    controllerPodIp: opts.controllerPodIp,
    metrics: seiMetrics,
  });
  setupSeiNodeDeploymentController(manager, {
    metrics: seiMetrics,
    platform: opts.platform,
    recorder: new KubeEventRecorder(client, 'sei.io/seinodedeployment-controller', instance, (err) =>
      opts.log.warn({ err: (err as Error).message }, 'failed to record event'),
    ),
    log: opts.log,
    namespace: opts.namespace,
    hooks: metrics.hooks,
    sidecars: opts.sidecars,
    retryBackoff: opts.retryBackoff,
    rolloutDeadlineMs: opts.rolloutDeadlineMs,
    resolveHost: opts.resolveHost,
  });
  let ready = false;
  const metricsServer: Server | undefined = await startMetricsServer(
    opts.metricsBindAddress ?? '0',
    registry,
  );
  const health: Server | undefined = await startHealthServer({
    bindAddress: opts.healthBindAddress ?? '0',
    ready: () => ready,
  });
  try {
    await manager.start();
  } catch (err) {
    await manager.stop({ drainMs: 0 });
    health?.close();
    metricsServer?.close();
    throw err;
  }
  ready = true;
  opts.log.info({ namespace: opts.namespace ?? '(all)' }, 'controller started');
  return {
    manager,
    registry,
    requests,
    async stop(drainMs = 30_000) {
      ready = false;
      await manager.stop({ drainMs });
      for (const server of [health, metricsServer]) {
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      }
    },
  };
}
