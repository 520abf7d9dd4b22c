import type { Logger } from 'pino';
import {
  LABEL_NODEDEPLOYMENT,
  type PeerSource,
  type SeiNode,
  type SeiNodeDeployment,
} from '../../constructs/api/types';
import type { PlatformConfig } from '../../constructs/platform-config';
import { LABEL_NODE, SEINODE_FIELD_MANAGER } from '../../constructs/seinode/names';
import { sidecarTlsName } from '../../constructs/seinode/sidecar-certificate';
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
import { SidecarError } from '../sidecar/client';
import type { SidecarClientFactory } from '../sidecar/factory';
import { CONTROLLER_TASKS } from '../tasks/controller-tasks';
import { SIDECAR_TASKS } from '../tasks/sidecar-tasks';
import { matchesSelector } from './peers';
import { SeiNodeReconciler } from './reconciler';

/** Options of {@link setupSeiNodeController}. */
export interface SeiNodeControllerOptions {
  readonly platform: PlatformConfig;
  readonly recorder: EventRecorder;
  readonly log: Logger;
  /**
   * Namespace to watch; omit for all.
   * @default all namespaces
   */
  readonly namespace?: string;
  /**
   * Parallel reconciles (one key is never reconciled twice at once).
   * @default 4
   */
  readonly concurrency?: number;
  /** Metric hooks. */
  readonly hooks?: ControllerHooks;
  /** Builds sidecar clients (URL template, token source, TLS CA). */
  readonly sidecars: SidecarClientFactory;
  /**
   * Backoff between failed attempts of a task.
   * @default DEFAULT_RETRY_BACKOFF (5 s doubling to 60 s)
   */
  readonly retryBackoff?: RetryBackoff;
  /**
   * Sidecar probe interval of Running nodes (ms).
   * @default 30000
   */
  readonly probeIntervalMs?: number;
  /** The controller's pod IP for the P2P routability gate. @default process.env.POD_IP */
  readonly controllerPodIp?: string;
  /** Prometheus metrics. */
  readonly metrics?: SeiMetrics;
}

/** Every task type SeiNode plans use. */
export function seiNodeTaskRegistry(): TaskRegistry {
  return new TaskRegistry([...CONTROLLER_TASKS, ...SIDECAR_TASKS]);
}

/** The kinds a SeiNode owns and whose events map back to it (SPEC §10). */
export const SEINODE_OWNED_KINDS: readonly ResourceDescriptor[] = [
  Resources.StatefulSet,
  Resources.Service,
  Resources.ConfigMap,
  Resources.PersistentVolumeClaim,
];

/**
 * Owned kinds of which the cache readers need only metadata (the Applier's generation or
 * resourceVersion, ownership and deletion of the data PVC): cached metadata-only. Services stay
 * whole: the P2P tasks read the load balancer address from their status.
 */
export const SEINODE_METADATA_ONLY_KINDS: ReadonlySet<ResourceDescriptor> = new Set([
  Resources.StatefulSet,
  Resources.ConfigMap,
  Resources.PersistentVolumeClaim,
]);

/**
 * SeiNode events worth a reconcile: creation, deletion, spec changes (generation), deletion
 * requests and finalizer or label changes. The controller's own status writes do not wake it.
 */
export const seiNodeChanged: Predicate<SeiNode> = (kind, obj, old) => {
  if (kind !== 'update' || !old) return true;
  const a = old.metadata;
  const b = obj.metadata;
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    JSON.stringify(a.finalizers ?? []) !== JSON.stringify(b.finalizers ?? []) ||
    JSON.stringify(a.labels ?? {}) !== JSON.stringify(b.labels ?? {})
  );
};

/**
 * Registers the SeiNode controller with a manager: a SeiNode informer (primary), informers for the
 * owned kinds mapped to their owner through the controller owner reference, and the reconciler.
 */
export function setupSeiNodeController(
  manager: Manager,
  opts: SeiNodeControllerOptions,
): Controller<SeiNode> {
  const ns = opts.namespace ? { namespace: opts.namespace } : {};
  const informers = new Map<ResourceDescriptor, Informer<KubeObject>>();
  const primary = manager.informer<SeiNode>(Resources.SeiNode, ns);
  informers.set(Resources.SeiNode, primary as unknown as Informer<KubeObject>);
  // Only objects carrying `sei.io/node` (everything a SeiNode renders) are cached, not every
  // ConfigMap, Service and PVC of the cluster.
  for (const kind of SEINODE_OWNED_KINDS) {
    informers.set(
      kind,
      manager.informer<KubeObject>(kind, {
        ...ns,
        labelSelector: LABEL_NODE,
        metadataOnly: SEINODE_METADATA_ONLY_KINDS.has(kind),
      }),
    );
  }

  const cache: CacheReader = cacheReaderOf(informers);
  // Sidecar TLS: the CA the controller pins comes from the node's cert-manager Secret (labelled
  // `sei.io/node` through the Certificate's secretTemplate).
  const secrets = manager.informer<KubeObject & { data?: Record<string, string> }>(Resources.Secret, {
    ...ns,
    labelSelector: LABEL_NODE,
  });
  const sidecarFor = (node: SeiNode) => {
    const name = node.metadata.name ?? '';
    const namespace = node.metadata.namespace ?? '';
    if (!node.status?.currentSidecarTLS) return opts.sidecars.forNode({ name, namespace });
    const ca = secrets.cache.get(namespace, sidecarTlsName(name))?.data?.['ca.crt'];
    if (!ca)
      throw new SidecarError(
        'tls',
        `Secret ${sidecarTlsName(name)} has no ca.crt: cannot verify the sidecar`,
      );
    return opts.sidecars.forNode({
      name,
      namespace,
      tls: { caPem: Buffer.from(ca, 'base64').toString('utf8') },
    });
  };
  const registry = seiNodeTaskRegistry();
  const reconciler = new SeiNodeReconciler({
    client: manager.client,
    cache,
    applier: new Applier(manager.client, SEINODE_FIELD_MANAGER),
    platform: opts.platform,
    recorder: opts.recorder,
    log: opts.log,
    registry,
    executor: new PlanExecutor(registry, opts.retryBackoff ?? DEFAULT_RETRY_BACKOFF),
    sidecarFor,
    probeIntervalMs: opts.probeIntervalMs,
    controllerPodIp: opts.controllerPodIp,
    metrics: opts.metrics,
    onPlanFinished: (plan, node) =>
      opts.metrics?.planFinished('seinode', plan, node.metadata.namespace ?? '', new Date()),
  });
  // Peer sources: a SeiNodeDeployment or a SeiNode changing re-reconciles the SeiNodes whose
  // `seinodeDeployment` or `label` peer sources match it (not every SeiNode of the namespace).
  const deployments = manager.informer<SeiNodeDeployment>(Resources.SeiNodeDeployment, ns);
  informers.set(Resources.SeiNodeDeployment, deployments as unknown as Informer<KubeObject>);
  const consumers = (match: (src: PeerSource, consumer: SeiNode) => boolean) =>
    primary.cache
      .list()
      .filter((c) => (c.spec.peers ?? []).some((p) => match(p, c)))
      .map((c) => ({ namespace: c.metadata.namespace ?? '', name: c.metadata.name ?? '' }));
  const referencesDeployment = (src: PeerSource, consumer: SeiNode, d: SeiNodeDeployment) =>
    !!src.seinodeDeployment &&
    (src.seinodeDeployment.namespace ?? consumer.metadata.namespace) === d.metadata.namespace &&
    (src.seinodeDeployment.name
      ? src.seinodeDeployment.name === d.metadata.name
      : matchesSelector(d.metadata.labels, src.seinodeDeployment.selector));
  const deploymentConsumers = (d: SeiNodeDeployment) =>
    consumers((src, c) => referencesDeployment(src, c, d));
  const nodeConsumers = (n: SeiNode) => {
    const sndName = n.metadata.labels?.[LABEL_NODEDEPLOYMENT];
    const snd = sndName ? deployments.cache.get(n.metadata.namespace, sndName) : undefined;
    return consumers(
      (src, c) =>
        (!!snd && referencesDeployment(src, c, snd)) ||
        (!!src.label &&
          (src.label.namespace ?? c.metadata.namespace) === n.metadata.namespace &&
          matchesSelector(n.metadata.labels, src.label.selector)),
    ).filter((r) => r.name !== n.metadata.name || r.namespace !== n.metadata.namespace);
  };
  const publishedChanged: Predicate<SeiNode> = (kind, obj, old) =>
    kind !== 'update' ||
    old?.status?.externalAddress !== obj.status?.externalAddress ||
    JSON.stringify(old?.metadata.labels ?? {}) !== JSON.stringify(obj.metadata.labels ?? {});

  const toOwner = ownedBy(Resources.SeiNode);
  return manager.controller<SeiNode>({
    name: 'seinode',
    primary,
    predicate: seiNodeChanged,
    watches: [
      ...SEINODE_OWNED_KINDS.map((kind) => ({
        informer: informers.get(kind) as Informer<KubeObject>,
        map: toOwner,
      })),
      { informer: deployments, map: deploymentConsumers },
      { informer: primary, map: nodeConsumers, predicate: publishedChanged },
    ],
    reconciler: { reconcile: (req, signal) => reconciler.reconcile(req, signal) },
    concurrency: opts.concurrency ?? 4,
    hooks: opts.hooks,
    logger: opts.log,
  });
}
