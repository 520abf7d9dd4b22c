import { randomUUID } from 'node:crypto';
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
import { LeaderElector, registerLeaderElectionMetrics } from './runtime/leader-election';
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
  /**
   * Leader election on a Lease: caches sync at once on every instance, controllers run only on the
   * leader. @default none (this instance always reconciles)
   */
  readonly leaderElection?: LeaderElectionConfig;
}

/** Leader election settings of {@link startController} (see `runtime/leader-election.ts`). */
export interface LeaderElectionConfig {
  /** Namespace of the Lease. */
  readonly namespace: string;
  /** Name of the Lease. */
  readonly name: string;
  /** Unique identity of this instance. @default `<hostname>_<random UUID>` */
  readonly identity?: string;
  /** @default 15000 */
  readonly leaseDurationMs?: number;
  /** @default 10000 */
  readonly renewDeadlineMs?: number;
  /** @default 2000 */
  readonly retryPeriodMs?: number;
}

/** A running controller process (or an in-process one in tests). */
export interface RunningController {
  readonly manager: Manager;
  /** The Prometheus registry the controller's metrics live in. */
  readonly registry: Registry;
  /** Every API request the controller made, by verb (benchmarks and write-at-rest tests). */
  readonly requests: RequestCounter;
  /** Port of the health server (`/healthz`, `/readyz`), when enabled. */
  readonly healthPort?: number;
  /**
   * Stops taking work, lets in-flight reconciles finish for up to `drainMs`, releases the leader
   * Lease (if held, so a standby takes over at once), closes servers.
   */
  stop(drainMs?: number): Promise<void>;
  /** `true` while this instance runs the controllers (always, until stopped, without election). */
  isLeader(): boolean;
  /**
   * Resolves once leadership was lost (every controller already stopped, in-flight reconciles
   * aborted); never settles without election or after {@link stop}. The controllers cannot be
   * restarted: the process should exit non-zero (as controller-runtime does).
   */
  readonly leadershipLost: Promise<void>;
  /** The elector (tests use `elector.stop()` to simulate a crashed leader); `undefined` without election. */
  readonly elector: LeaderElector | undefined;
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
    isLeader: () => isLeader(),
  });
  let stopping = false;
  let leadershipEnded: () => void = () => {};
  const leadershipLost = new Promise<void>((resolve) => {
    leadershipEnded = resolve;
  });
  const election = opts.leaderElection;
  const elector = election
    ? new LeaderElector({
        client,
        namespace: election.namespace,
        name: election.name,
        identity: election.identity ?? `${hostname()}_${randomUUID()}`,
        leaseDurationMs: election.leaseDurationMs,
        renewDeadlineMs: election.renewDeadlineMs,
        retryPeriodMs: election.retryPeriodMs,
        logger: opts.log,
        onStartedLeading: () => {
          if (stopping) return;
          opts.log.info('became leader; starting controllers');
          manager.startControllers();
        },
        onStoppedLeading: () => {
          if (stopping) return;
          opts.log.error('leader election lost; stopping all controllers at once');
          void manager.stop({ drainMs: 0 }).finally(leadershipEnded);
        },
      })
    : undefined;
  if (elector && election) registerLeaderElectionMetrics(registry, elector, election.name);
  const isLeader = () => (elector ? elector.isLeader() : !stopping);
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
    if (elector) await manager.startCaches();
    else await manager.start();
  } catch (err) {
    await manager.stop({ drainMs: 0 });
    health?.close();
    metricsServer?.close();
    throw err;
  }
  ready = true;
  elector?.start();
  opts.log.info(
    { namespace: opts.namespace ?? '(all)', leaderElection: elector ? elector.identity : false },
    'controller started',
  );
  return {
    manager,
    registry,
    requests,
    healthPort: (health?.address() as { port?: number } | null | undefined)?.port,
    isLeader,
    leadershipLost,
    elector,
    async stop(drainMs = 30_000) {
      stopping = true;
      ready = false;
      await manager.stop({ drainMs });
      await elector?.release();
      for (const server of [health, metricsServer]) {
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      }
    },
  };
}
