import { lookup } from 'node:dns/promises';
import type { Logger } from 'pino';
import { LABEL_NODEDEPLOYMENT, type SeiNode, type SeiNodeDeployment } from '../../constructs/api/types';
import type { PlatformConfig } from '../../constructs/platform-config';
import { Applier } from '../apply/applier';
import type { EventRecorder } from '../events/recorder';
import { type ResourceDescriptor, Resources } from '../kube/resources';
import type { KubeObject } from '../kube/types';
import { DEFAULT_RETRY_BACKOFF, PlanExecutor, type RetryBackoff } from '../planner/executor';
import { TaskRegistry } from '../planner/registry';
import type { CacheReader } from '../planner/task';
import { cacheReaderOf } from '../runtime/cache-reader';
import type { Controller, ControllerHooks, Predicate } from '../runtime/controller';
import type { Informer } from '../runtime/informer';
import type { Manager } from '../runtime/manager';
import { ownedBy } from '../runtime/mappers';
import type { SeiMetrics } from '../sei-metrics';
import type { SidecarClientFactory } from '../sidecar/factory';
import { GENESIS_TASKS } from '../tasks/genesis-tasks';
import { SIDECAR_TASKS } from '../tasks/sidecar-tasks';
import { SeiNodeDeploymentReconciler } from './reconciler';

/** SSA field manager of the SeiNodeDeployment controller (reference §2.1). */
export const SEINODEDEPLOYMENT_FIELD_MANAGER = 'seinodedeployment-controller';

/** Options of {@link setupSeiNodeDeploymentController}. */
export interface SeiNodeDeploymentControllerOptions {
  readonly platform: PlatformConfig;
  readonly recorder: EventRecorder;
  readonly log: Logger;
  readonly sidecars: SidecarClientFactory;
  /** @default all namespaces */
  readonly namespace?: string;
  /** @default 2 */
  readonly concurrency?: number;
  readonly hooks?: ControllerHooks;
  /** @default DEFAULT_RETRY_BACKOFF */
  readonly retryBackoff?: RetryBackoff;
  /** @default 1800000 (30 min) */
  readonly rolloutDeadlineMs?: number;
  /** @default a DNS lookup with a 2 s timeout */
  readonly resolveHost?: (host: string) => Promise<boolean>;
  /** Prometheus metrics. */
  readonly metrics?: SeiMetrics;
}

/** Resolves a host name with the system resolver, giving up after 2 s. */
export async function dnsResolves(host: string): Promise<boolean> {
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2_000).unref());
  return Promise.race([
    lookup(host).then(
      () => true,
      () => false,
    ),
    timeout,
  ]);
}

/** Deployment events worth a reconcile: creation, deletion, spec (generation), finalizers. */
export const deploymentChanged: Predicate<SeiNodeDeployment> = (kind, obj, old) =>
  kind !== 'update' ||
  !old ||
  old.metadata.generation !== obj.metadata.generation ||
  old.metadata.deletionTimestamp !== obj.metadata.deletionTimestamp ||
  JSON.stringify(old.metadata.finalizers ?? []) !== JSON.stringify(obj.metadata.finalizers ?? []);

/** Child events worth a deployment reconcile: anything the aggregation or a rollout reads. */
export const childChanged: Predicate<SeiNode> = (kind, obj, old) => {
  if (kind !== 'update' || !old) return true;
  const a = old.status ?? {};
  const b = obj.status ?? {};
  return (
    old.metadata.generation !== obj.metadata.generation ||
    a.phase !== b.phase ||
    a.observedGeneration !== b.observedGeneration ||
    a.currentImage !== b.currentImage ||
    a.plan?.phase !== b.plan?.phase ||
    a.externalAddress !== b.externalAddress ||
    JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(obj.metadata.labels ?? {}) ||
    old.metadata.deletionTimestamp !== obj.metadata.deletionTimestamp
  );
};

/** Registers the SeiNodeDeployment controller: deployments (primary), child SeiNodes and owned Services. */
export function setupSeiNodeDeploymentController(
  manager: Manager,
  opts: SeiNodeDeploymentControllerOptions,
): Controller<SeiNodeDeployment> {
  const ns = opts.namespace ? { namespace: opts.namespace } : {};
  const primary = manager.informer<SeiNodeDeployment>(Resources.SeiNodeDeployment, ns);
  const nodes = manager.informer<SeiNode>(Resources.SeiNode, ns);
  const services = manager.informer<KubeObject>(Resources.Service, {
    ...ns,
    labelSelector: LABEL_NODEDEPLOYMENT,
  });
  const informers = new Map<ResourceDescriptor, Informer<KubeObject>>([
    [Resources.SeiNodeDeployment, primary as unknown as Informer<KubeObject>],
    [Resources.SeiNode, nodes as unknown as Informer<KubeObject>],
    [Resources.Service, services],
  ]);
  const cache: CacheReader = cacheReaderOf(informers);
  const registry = new TaskRegistry([...SIDECAR_TASKS, ...GENESIS_TASKS]);
  const reconciler = new SeiNodeDeploymentReconciler({
    client: manager.client,
    cache,
    applier: new Applier(manager.client, SEINODEDEPLOYMENT_FIELD_MANAGER),
    platform: opts.platform,
    recorder: opts.recorder,
    log: opts.log,
    registry,
    executor: new PlanExecutor(registry, opts.retryBackoff ?? DEFAULT_RETRY_BACKOFF),
    sidecarFor: (n) => opts.sidecars.forNode(n),
    resolveHost: opts.resolveHost ?? dnsResolves,
    rolloutDeadlineMs: opts.rolloutDeadlineMs,
    metrics: opts.metrics,
  });
  const toOwner = ownedBy(Resources.SeiNodeDeployment);
  return manager.controller<SeiNodeDeployment>({
    name: 'seinodedeployment',
    primary,
    predicate: deploymentChanged,
    watches: [
      { informer: nodes, map: toOwner, predicate: childChanged },
      { informer: services, map: toOwner },
    ],
    reconciler: { reconcile: (req, signal) => reconciler.reconcile(req, signal) },
    concurrency: opts.concurrency ?? 2,
    hooks: opts.hooks,
    logger: opts.log,
  });
}
